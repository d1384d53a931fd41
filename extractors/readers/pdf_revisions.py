"""A PDF's revision structure, read from its bytes: where the first save ended, what was appended.

An incremental update (what editors write when they "save" a signed or scanned file) adds a
revision after the end of the file: the changed objects and a cross-reference section (table or
stream) whose `/Prev` points back at the one before. Linearized ("fast web view") files carry a
second cross-reference section and `%%EOF` near their start by design, so counting `%%EOF`
markers says nothing; their linearization dictionary declares the file's length (`/L`), and only
what is appended after that length is an update.

Everything here is untrusted input: the chain of `/Prev` links is walked with a bound on its
length and on every search window, loops end it, and a structure that cannot be read is reported
as unknown (`original_end=None`), never as edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# The linearization dictionary must be the first object, within the first 1024 bytes (ISO 32000-1
# Annex F); a little slack for a long header comment.
LINEARIZATION_WINDOW = 2048
MAX_SECTIONS = 256  # cross-reference sections followed along /Prev
MAX_DICT_BYTES = 65_536  # an xref stream's or trailer's dictionary
# An xref table's entries are 20 bytes: 64 MiB holds 3.3 million objects. Past a revision's end
# (an update rewrites a few objects) 1 MiB is ample.
MAX_TABLE_BYTES = 64 * 1024 * 1024
MAX_APPENDED_TABLE_BYTES = 1024 * 1024
MAX_TAIL_CANDIDATES = 10_000  # places after the original end looked at as possible sections
MAX_STARTXREF_TRIES = 16  # startxref markers tried from the end when the last one is broken
OFFSET_SLACK = 64  # whitespace some writers leave between the offset startxref names and the section

_LINEARIZED = re.compile(rb"\A(?:%[^\r\n]*[\r\n]+|\s)*\d+\s+\d+\s+obj\s*<<(.{0,1024}?)>>", re.DOTALL)
_L_KEY = re.compile(rb"/L\s+(\d{1,12})(?![\d.])")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})")
_PREV = re.compile(rb"/Prev\s+(\d{1,12})(?![\d.])")
_XREF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\s*<<")
_XREF_TYPE = re.compile(rb"/Type\s*/XRef\b")
# Where a cross-reference section may start: a table's keyword, or an object (an xref stream).
_SECTION_START = re.compile(rb"(?<![A-Za-z])xref\s|\d+\s+\d+\s+obj\s*<<")


@dataclass(frozen=True)
class Revisions:
    linearized: bool  # a linearization dictionary whose /L fits the file
    original_end: Optional[int]  # where the first save ended; None when the structure is unreadable
    appended: tuple[int, ...] = ()  # offsets of the cross-reference sections appended after it

    @property
    def updates(self) -> int:
        return len(self.appended)


def linearized_length(data: bytes) -> Optional[int]:
    """/L of the linearization dictionary, when the file opens with one."""
    m = _LINEARIZED.search(data[:LINEARIZATION_WINDOW])
    if m is None or b"/Linearized" not in m.group(1):
        return None
    length = _L_KEY.search(m.group(1))
    return int(length.group(1)) if length else None


def _section_prev(data: bytes, offset: int, table_bytes: int = MAX_TABLE_BYTES) -> tuple[bool, Optional[int]]:
    """(is there a cross-reference section at `offset`, its /Prev). Every search is bounded, so a
    file full of false starts costs at most a window per start."""
    if not 0 <= offset < len(data):
        return False, None
    window = data[offset : offset + OFFSET_SLACK]
    start = offset + len(window) - len(window.lstrip())
    if data.startswith(b"xref", start):
        trailer = data.find(b"trailer", start, start + table_bytes)
        if trailer < 0:
            return False, None
        end = data.find(b"startxref", trailer, trailer + MAX_DICT_BYTES)
        dictionary = data[trailer : end if end > 0 else trailer + MAX_DICT_BYTES]
    elif _XREF_OBJ.match(data, start):
        # The object's own dictionary: up to its stream, or its end when it has none.
        limit = start + MAX_DICT_BYTES
        ends = [i for i in (data.find(b"stream", start, limit), data.find(b"endobj", start, limit)) if i >= 0]
        dictionary = data[start : min(ends) if ends else limit]
        if not _XREF_TYPE.search(dictionary):
            return False, None
    else:
        return False, None
    prev = _PREV.search(dictionary)
    return True, int(prev.group(1)) if prev else None


def _chain(data: bytes, first: int) -> list[int]:
    """Cross-reference sections from `first` along /Prev (newest first); stops at a loop or a
    link to no section."""
    chain: list[int] = []
    offset: Optional[int] = first
    while offset is not None and offset not in chain and len(chain) < MAX_SECTIONS:
        found, prev = _section_prev(data, offset)
        if not found:
            break
        chain.append(offset)
        offset = prev
    return chain


def _last_chain(data: bytes) -> list[int]:
    """The chain a reader follows: from the last startxref whose offset names a section."""
    pos = len(data)
    for _ in range(MAX_STARTXREF_TRIES):
        pos = data.rfind(b"startxref", 0, pos)
        if pos < 0:
            break
        m = _STARTXREF.match(data, pos)
        chain = _chain(data, int(m.group(1))) if m else []
        if chain:
            return chain
    return []


def read_revisions(data: bytes) -> Revisions:
    declared = linearized_length(data)
    linearized = declared is not None and 0 < declared <= len(data)
    chain = _last_chain(data)
    if not chain:
        if not linearized:
            return Revisions(linearized=False, original_end=None)
        return Revisions(linearized=True, original_end=declared, appended=tuple(sorted(_tail_sections(data, declared))))
    if linearized:
        original_end = declared
    else:
        # The first save ends at the %%EOF that follows its (oldest) cross-reference section.
        eof = data.find(b"%%EOF", chain[-1])
        original_end = eof + len(b"%%EOF") if eof >= 0 else len(data)
    # A section counts as appended when it sits past the original end and its /Prev points back
    # into the file before it; the oldest section of the chain has no such link.
    appended = {offset for offset, older in zip(chain, chain[1:]) if offset >= original_end and older < offset}
    appended |= _tail_sections(data, original_end)
    return Revisions(linearized=linearized, original_end=original_end, appended=tuple(sorted(appended)))


def _tail_sections(data: bytes, original_end: int) -> set[int]:
    """Sections after the original end that point back, found by their own keyword: an update
    whose startxref was damaged (or aimed elsewhere) is still an update."""
    found: set[int] = set()
    for n, m in enumerate(_SECTION_START.finditer(data, original_end)):
        if len(found) >= MAX_SECTIONS or n >= MAX_TAIL_CANDIDATES:
            break
        is_section, prev = _section_prev(data, m.start(), MAX_APPENDED_TABLE_BYTES)
        if is_section and prev is not None and prev < m.start():
            found.add(m.start())
    return found
