"""Builders for integrity/storage/review tests: synthetic dossiers as the extractors would
produce them (no test functions here)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Optional

from dossierflow.batch import BatchInfo, RunContext
from dossierflow.models import (
    Document,
    DossierExtraction,
    DossierResult,
    Evidence,
    FieldValue,
    FileInfo,
    PageContent,
    Source,
)
from validators.integrity.idcard import birth_date_of, check_char

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅海燕鹏飞晓东"
UNITS = ["包头市第一中学", "包头市中心医院", "包头钢铁设计研究院", "昆都仑区农牧局", "青山区疾控中心"]


def make_id(birth: dt.date, female: bool, serial: int = 12, area: str = "150203") -> str:
    seq = f"{serial:02d}{(2 if female else 1) + (serial % 4) * 2 % 8}"
    first17 = f"{area}{birth:%Y%m%d}{seq[:3]}"
    return first17 + check_char(first17)


def issn_with_check(first7: str) -> str:
    total = sum(int(d) * w for d, w in zip(first7, range(8, 1, -1)))
    c = (11 - total % 11) % 11
    return f"{first7[:4]}-{first7[4:]}{'X' if c == 10 else c}"


def fv(value, file: str = "eval.pdf", page: Optional[int] = 1, conf: float = 0.95) -> FieldValue:
    return FieldValue(value=value, confidence=conf, source=Source(file=file, page=page, bbox=(72.0, 100.0, 200.0, 115.0)))


def flip_bits(hex_hash: str, n: int, rng: random.Random) -> str:
    bits = len(hex_hash) * 4
    value = int(hex_hash, 16)
    for b in rng.sample(range(bits), n):
        value ^= 1 << b
    return f"{value:0{len(hex_hash)}x}"


TEMPLATE_HASHES = {kind: hashlib.sha256(kind.encode()).hexdigest() for kind in ("diploma", "title_cert", "award")}

BOILERPLATE = [
    "本人自参加工作以来，认真贯彻落实党的路线方针政策，热爱本职工作，遵纪守法，团结同志。",
    "在思想政治方面，始终坚持以习近平新时代中国特色社会主义思想为指导，增强四个意识。",
    "今后我将继续努力学习业务知识，不断提高自身专业技术水平，为包头市的发展做出更大贡献。",
    "积极参加继续教育学习，按时完成公需科目和专业科目的学时要求。",
]
TOPICS = ["高炉炉衬", "冷轧板形", "乳腺癌筛查", "小学数学分层教学", "盐碱地改良", "肉羊繁育", "城市供热管网", "电力负荷预测", "结核病防控", "初中物理实验", "风电叶片检测", "稀土永磁材料", "会计内部控制", "档案数字化", "农村饮水安全"]
ACTIONS = ["主持", "参与", "负责", "牵头完成", "组织开展", "独立承担"]
RESULTS = ["降低能耗", "提高合格率", "缩短工期", "减少投诉", "节约成本", "提升成绩", "增加产量"]
WORDS = "数据分析现场调研方案设计技术攻关质量控制人员培训标准修订设备改造流程优化安全管理课题研究成果推广"


def personal_text(rng: random.Random, name: str, sentences: int = 14) -> str:
    out = []
    for _ in range(sentences):
        year = rng.randint(2008, 2019)
        topic = rng.choice(TOPICS)
        words = "".join(rng.sample(WORDS, 8))
        out.append(
            f"{year}年{rng.randint(1, 12)}月，{name}{rng.choice(ACTIONS)}{topic}{words}工作，"
            f"历时{rng.randint(2, 30)}个月，{rng.choice(RESULTS)}{rng.randint(3, 45)}%，"
            f"形成{words[:4]}{rng.choice(TOPICS)}报告{rng.randint(1, 9)}份。"
        )
    return "".join(out)


def work_summary(rng: random.Random, name: str) -> str:
    return BOILERPLATE[0] + BOILERPLATE[1] + personal_text(rng, name) + BOILERPLATE[3] + BOILERPLATE[2]


def make_dossier(
    did: str,
    rng: random.Random,
    *,
    name: Optional[str] = None,
    id_number: Optional[str] = None,
    summary: Optional[str] = None,
    papers: Optional[list[Evidence]] = None,
    template_noise_bits: tuple[int, int] = (8, 28),
) -> DossierExtraction:
    """A clean dossier: consistent fields, evidence from shared certificate templates."""
    name = name or rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    if id_number:
        birth = birth_date_of(id_number) or dt.date(1980, 1, 1)
        female = int(id_number[16]) % 2 == 0
    else:
        female = rng.random() < 0.5
        birth = dt.date(rng.randint(1965, 1992), rng.randint(1, 12), rng.randint(1, 28))
        id_number = make_id(birth, female, serial=rng.randint(10, 99))
    grad = dt.date(birth.year + rng.randint(21, 24), 7, 1)
    title_date = dt.date(min(grad.year + rng.randint(3, 8), 2014), rng.randint(1, 12), 1)
    unit = rng.choice(UNITS)
    scan = f"{did}/scan.pdf"
    form = f"{did}/eval.pdf"
    fields = {
        "name": fv(name, form),
        "gender": fv("女" if female else "男", form),
        "birth_date": fv(f"{birth:%Y-%m}", form),
        "id_number": fv(id_number, form),
        "employer": fv(unit, form),
        "education": fv("bachelor", form),
        "graduation_date": fv(f"{grad:%Y-%m}", form),
        "current_title": fv("工程师", form),
        "current_title_date": fv(f"{title_date:%Y-%m}", form),
        "work_start_date": fv(f"{grad:%Y}-08", form),
        "submission_date": fv("2020-06-10", form),
    }

    def src(page: int) -> Source:
        return Source(file=scan, page=page, bbox=(50.0, 60.0, 540.0, 780.0))

    evidence = [
        Evidence(kind="diploma", source=src(1), holder=name, date=f"{grad:%Y-%m-%d}", level="本科", school="内蒙古科技大学",
                 number=f"1012{rng.randint(10**11, 10**12 - 1)}", full_time=True, confidence=0.9),
        Evidence(kind="title_cert", source=src(2), holder=name, title="工程师", date=f"{title_date:%Y-%m}", number=f"BTZC{rng.randint(10**6, 10**7 - 1)}", confidence=0.9),
        Evidence(kind="award", source=src(3), holder=f"{name}、{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", title=f"{rng.choice(TOPICS)}技术研究",
                 grade="二等奖", level="市级", date=f"{rng.randint(2015, 2019)}-12", number=f"KJJ{rng.randint(10**5, 10**6 - 1)}", confidence=0.9),
        Evidence(kind="work_summary", source=src(4), text=summary if summary is not None else work_summary(rng, name), confidence=0.9),
    ]
    if papers is None:
        topic = rng.choice(TOPICS)
        papers = [
            Evidence(kind="paper", source=src(6), title=f"{topic}中{''.join(rng.sample(WORDS, 6))}的应用研究{did}", journal="内蒙古科技与经济",
                     issn=issn_with_check(f"{rng.randint(1000000, 9999999)}"), cn="15-1155/N", date="2018-05", authors=[name], author_rank=1,
                     text=personal_text(rng, "本文", sentences=10), confidence=0.9)
        ]
    evidence += papers
    pages = [
        PageContent(file=form, page=1, method="text"),
        *[
            PageContent(file=scan, page=i + 1, method="ocr", image_hash=flip_bits(TEMPLATE_HASHES[kind], rng.randint(*template_noise_bits), rng))
            for i, kind in enumerate(("diploma", "title_cert", "award"))
        ],
        PageContent(file=scan, page=4, method="ocr", image_hash=f"{rng.getrandbits(256):064x}"),
        PageContent(file=scan, page=5, method="ocr", image_hash=f"{rng.getrandbits(256):064x}"),
        PageContent(file=scan, page=6, method="ocr", image_hash=f"{rng.getrandbits(256):064x}"),
    ]
    documents = [
        Document(kind="eval_form", file=form, pages=[1], confidence=0.95),
        Document(kind="diploma", file=scan, pages=[1], confidence=0.9),
        Document(kind="title_cert", file=scan, pages=[2], confidence=0.9),
        Document(kind="award", file=scan, pages=[3], confidence=0.9),
        Document(kind="work_summary", file=scan, pages=[4, 5], confidence=0.9),
        Document(kind="paper", file=scan, pages=[6], confidence=0.9),
    ]
    files = [
        FileInfo(path=form, sha256=hashlib.sha256(f"{did}form".encode()).hexdigest(), size=1000, kind="pdf", pages=1, text_layer_pages=1,
                 producer="Microsoft® Word 2016", creator="Microsoft® Word 2016"),
        FileInfo(path=scan, sha256=hashlib.sha256(f"{did}scan".encode()).hexdigest(), size=900000, kind="pdf", pages=6, text_layer_pages=0,
                 producer="Canon iR-ADV C5535 PDF", creator="Canon"),
    ]
    return DossierExtraction(dossier_id=did, files=files, pages=pages, documents=documents, fields=fields, evidence=evidence)


def clean_batch(n: int = 60, seed: int = 7, prefix: str = "A") -> dict[str, DossierExtraction]:
    rng = random.Random(seed)
    batch = {f"{prefix}{i:04d}": make_dossier(f"{prefix}{i:04d}", rng) for i in range(1, n + 1)}
    # Co-authors: the same paper in two dossiers, first author in one, second in the other.
    ids = sorted(batch)
    for a, b in zip(ids[0:10:2], ids[1:10:2]):
        first = batch[a].items("paper")[0]
        name_b = str(batch[b].field("name"))
        coauthored = first.model_copy(update={"source": Source(file=f"{b}/scan.pdf", page=6), "authors": [*(first.authors or []), name_b], "author_rank": 2})
        batch[b].evidence.append(coauthored)
    # Team awards: one certificate naming two winners, handed in by both.
    for a, b in zip(ids[10:16:2], ids[11:16:2]):
        names = f"{batch[a].field('name')}、{batch[b].field('name')}"
        award_a, award_b = batch[a].items("award")[0], batch[b].items("award")[0]
        award_a.holder = award_b.holder = names
        award_b.number, award_b.title, award_b.date = award_a.number, award_a.title, award_a.date
        page_a = next(p for p in batch[a].pages if p.page == 3 and p.file.endswith("scan.pdf"))
        page_b = next(p for p in batch[b].pages if p.page == 3 and p.file.endswith("scan.pdf"))
        page_b.image_hash = flip_bits(page_a.image_hash or "", 6, rng)
    # A collective honour names the unit, not the applicant.
    for did in ids[20:21]:
        unit = str(batch[did].field("employer"))
        batch[did].evidence.append(
            Evidence(kind="honor", source=Source(file=f"{did}/scan.pdf", page=8), holder=unit, title="先进集体", date="2019-01", confidence=0.9)
        )
    return batch


def ctx(processing_date: dt.date = dt.date(2020, 7, 1), lookup=None) -> RunContext:
    return RunContext(batch=BatchInfo(batch_id="B1"), processing_date=processing_date, blacklist_lookup=lookup)


def results_for(extractions: dict[str, DossierExtraction], flags: Optional[dict] = None) -> list[DossierResult]:
    flags = flags or {}
    return [
        DossierResult(dossier_id=did, status="integrity_review" if flags.get(did) else "accepted", extraction=ex, flags=flags.get(did, []))
        for did, ex in extractions.items()
    ]


# --- databases: every storage/review/blacklist test runs on SQLite and on PostgreSQL -----------

import os  # noqa: E402

import pytest  # noqa: E402

PG_URL = os.environ.get("DOSSIER_TEST_PG_URL")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from sqlalchemy import MetaData

    engine = create_engine(url)
    # Every table there is, not a list: a migration's new table would survive a fixed list and
    # break the next upgrade from scratch.
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for table in tables.tables:
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="DOSSIER_TEST_PG_URL is not set")]),
    ]
)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'dossierflow.sqlite'}"
    from dossierflow.storage import normalise_url

    url = normalise_url(PG_URL or "")
    _reset_postgres(url)
    return url


@pytest.fixture
def store(db_url):
    from dossierflow.storage import open_store

    s = open_store(db_url)
    yield s
    s.close()
