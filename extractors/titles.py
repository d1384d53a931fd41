"""The professional-title table (extractors/data/titles.yaml): which title is which level of which series.

The rule engine uses it too (`title_level`, `title_series`), so it accepts what forms write:
a title with a specialty in brackets (`高级工程师（电气）`), a department prefix (`内科主治医师`),
or one OCR-damaged character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import yaml

from dossierflow.vocab import LEVELS
from extractors.lexicons import no_title_words
from extractors.normalize import DATA_DIR, best_substring, similarity, skeleton


@dataclass(frozen=True)
class TitleEntry:
    name: str
    series: str
    track: str
    level: str


@dataclass(frozen=True)
class TitleMatch:
    name: str  # the canonical title name
    level: Optional[str]  # None when the series disagree and none was given
    series: tuple[str, ...]
    certainty: float
    # Taken for the one listed title its reading is a character off (not as read, nor by a
    # bracket, a suffix or a department prefix left out).
    fuzzy: bool = False


@lru_cache(maxsize=1)
def title_entries() -> tuple[TitleEntry, ...]:
    with open(DATA_DIR / "titles.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    out: list[TitleEntry] = []
    for series, tracks in raw.items():
        for track, levels in tracks.items():
            for level, names in levels.items():
                if level not in LEVELS:
                    raise ValueError(f"titles.yaml: unknown level {level!r} in {series}/{track}")
                out.extend(TitleEntry(str(n), str(series), str(track), level) for n in names)
    return tuple(out)


@lru_cache(maxsize=1)
def series_names() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for e in title_entries():
        seen.setdefault(e.series, None)
    return tuple(seen)


@lru_cache(maxsize=1)
def _by_name() -> dict[str, tuple[TitleEntry, ...]]:
    out: dict[str, list[TitleEntry]] = {}
    for e in title_entries():
        out.setdefault(e.name, []).append(e)
    return {k: tuple(v) for k, v in out.items()}


_BRACKETS = re.compile(r"[（(\[【].*?[）)\]】]")


def _resolve(name: str, series: Optional[str], certainty: float, fuzzy: bool = False) -> TitleMatch:
    entries = _by_name()[name]
    if series:
        own = [e for e in entries if e.series == series]
        if own:
            entries = tuple(own)
    levels = {e.level for e in entries}
    return TitleMatch(
        name=name,
        level=levels.pop() if len(levels) == 1 else None,
        series=tuple(dict.fromkeys(e.series for e in entries)),
        certainty=certainty,
        fuzzy=fuzzy,
    )


def is_no_title(text: Optional[str]) -> bool:
    return bool(text) and skeleton(text or "") in no_title_words()


def match_title(text: Optional[str], series: Optional[str] = None) -> Optional[TitleMatch]:
    """The title named in `text`: exact, then without brackets, then the longest title it ends
    with, then (one wrong character in a name of four or more) fuzzy when unique."""
    if not text:
        return None
    by_name = _by_name()
    series = canonical_series(series) if series else None
    t = skeleton(text)
    if t in by_name:
        return _resolve(t, series, 1.0)
    stripped = skeleton(_BRACKETS.sub("", text))
    stripped = re.sub(r"(资格|职称|职务)$", "", stripped)
    if stripped in by_name:
        return _resolve(stripped, series, 0.97)
    tails = [n for n in by_name if stripped.endswith(n)]
    if tails:
        return _resolve(max(tails, key=len), series, 0.9)
    candidates: list[tuple[float, str]] = []
    for name in by_name:
        if len(name) >= 4 and abs(len(name) - len(stripped)) <= 1:
            s = similarity(name, stripped)
            if s >= 0.74:
                candidates.append((s, name))
    if not candidates:
        return None
    candidates.sort(reverse=True)
    if len(candidates) > 1 and candidates[1][0] >= candidates[0][0]:
        return None
    return _resolve(candidates[0][1], series, round(0.8 * candidates[0][0], 3), fuzzy=True)


def match_in_series(text: Optional[str], series: Optional[str]) -> Optional[TitleMatch]:
    """A title of a known series with one character misread (冀牧师 in 农牧业 → 畜牧师).

    Only within the series the form names, where a one-character difference is unique; across
    all series short titles are too close to each other to repair safely.
    """
    series = canonical_series(series) if series else None
    if not text or not series:
        return None
    t = skeleton(_BRACKETS.sub("", text))
    names = {e.name for e in title_entries() if e.series == series}
    if t in names:
        return _resolve(t, series, 1.0)
    close = [n for n in names if len(n) == len(t) and len(n) >= 3 and sum(a != b for a, b in zip(n, t)) == 1]
    if len(close) != 1:
        return None
    return _resolve(close[0], series, 0.6)


def title_level(title: Optional[str], series: Optional[str] = None) -> Optional[str]:
    """`高级工程师` → `deputy_senior`; None for an unknown title or 无."""
    m = match_title(title, series)
    return None if m is None else m.level


def title_series(title: Optional[str]) -> list[str]:
    """Every series that has this title (`馆员` → 档案, 图书, 文博)."""
    m = match_title(title)
    return [] if m is None else list(m.series)


def canonical_title(title: Optional[str], series: Optional[str] = None) -> Optional[str]:
    m = match_title(title, series)
    return None if m is None else m.name


def titles_of(series: str, level: str) -> list[str]:
    return [e.name for e in title_entries() if e.series == series and e.level == level]


def level_rank(level: Optional[str]) -> Optional[int]:
    return LEVELS.index(level) if level in LEVELS else None


_SERIES_SUFFIX = re.compile(r"(系列|专业技术人员|专业|职称)$")
_SERIES_ALIASES = {
    "医疗卫生": "卫生", "卫生技术": "卫生", "工程技术": "工程", "中小学": "中小学教师", "中小学教育": "中小学教师",
    "高等学校教师": "高校教师", "高等学校": "高校教师", "党校": "党校教师", "社会科学研究": "社科研究",
    "农业": "农牧业", "畜牧业": "农牧业", "农业技术": "农牧业", "自然科学研究": "农牧林业科研",
    "图书资料": "图书", "文物博物": "文博", "新闻专业": "新闻", "出版专业": "出版",
    "计算机技术与软件": "计算机", "翻译": "外语翻译", "蒙古语文翻译": "蒙语翻译",
}


_HAN = re.compile(r"[\u4e00-\u9fff]")


def canonical_series(text: Optional[str]) -> Optional[str]:
    """`卫生系列` → `卫生`; an OCR-damaged series name when one character is wrong."""
    if not text:
        return None
    names = series_names()
    t = skeleton(text)
    # Latin letters or digits read beside the name (新闻N): a speck or a stroke of a seal read
    # as a letter, since every series name is written in Han characters only. Without them the
    # reading must name a series as written; the fuzzy match below does not get a second go.
    for reading in (t, "".join(_HAN.findall(t))):
        if not reading:
            continue
        if reading in names:
            return reading
        t2 = _SERIES_SUFFIX.sub("", reading)
        if t2 in names:
            return t2
        if t2 in _SERIES_ALIASES:
            return _SERIES_ALIASES[t2]
        if reading in _SERIES_ALIASES:
            return _SERIES_ALIASES[reading]
    t2 = _SERIES_SUFFIX.sub("", t)
    scored = []
    for n in names:
        sm = best_substring(n, t2) if len(n) >= 3 else None
        if len(n) < 3:
            if t2 == n:
                return n
            continue
        if sm and sm.score >= 0.74 and len(t2) <= len(n) + 1:
            scored.append((sm.score, n))
    scored.sort(reverse=True)
    if scored and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None
