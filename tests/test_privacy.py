"""Which read lines show a citizen ID number (dossierflow.privacy.holds_id_number): what the
station draws flat for people who read ID numbers masked. Numbers made by the fixture generator's
own GB 11643 code, so the expected answers do not come from the code under test."""

from __future__ import annotations

import pytest

from dossierflow.privacy import holds_id_number
from fixtures.idnumber import check_digit, corrupt_check_digit

VALID = "15020319860714" + "123"
VALID += check_digit(VALID)
# No birth date at digits 7-14 (month 99), and a check digit that holds: the check alone counts.
NO_DATE = "1502031986991412" + "3"
NO_DATE += check_digit(NO_DATE)


@pytest.mark.parametrize("text", [
    f"公民身份号码 {VALID}",
    f"本人张三，身份证号{VALID}，郑重承诺",
    f"公民身份号码 {VALID[:6]} {VALID[6:14]} {VALID[14:]}",  # printed in groups
    f"公民身份号码 {VALID.replace('0', 'O').replace('1', 'l')}",  # OCR's letter-for-digit confusions
    f"身份证号：{corrupt_check_digit(VALID)}",  # a misread digit breaks the check, not the birth date
    f"身份证号：{VALID[:15] + VALID[16:]}",  # a sequence digit dropped by OCR
    NO_DATE,
])
def test_an_id_number_is_seen_in_what_was_read(text: str) -> None:
    assert holds_id_number(text)


@pytest.mark.parametrize("text", [
    "证书编号：20181500142000123",  # a certificate number: no birth date, 17 characters
    "联系电话 13912345678",
    "ISSN 1002-4328  CN 15-1045/G4",
    corrupt_check_digit(NO_DATE),  # neither the check nor a birth date
    "2019年第3期 第12-18页",
])
def test_other_numbers_are_not_taken_for_one(text: str) -> None:
    assert not holds_id_number(text)


def test_an_image_cited_as_page_1_or_without_a_page_gets_the_same_covers() -> None:
    """An image file's one frame is read without a page number; a finding may cite it as page 1.
    Both are the same picture (crops draw frame 1 for either), so both hide the same lines."""
    from dossierflow.id_regions import covers

    read = {("A0001/pledge.jpg", None): [[10.0, 20.0, 300.0, 40.0]], ("A0001/form.pdf", 2): [[5.0, 5.0, 50.0, 15.0]]}
    line = {"fields": {"id_number": {"value": "x", "source": {"file": "A0001/pledge.jpg", "page": 1, "bbox": [1.0, 2.0, 3.0, 4.0]}}}}
    for page in (None, 1):
        assert covers(line, read, "A0001/pledge.jpg", page) == [[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 300.0, 40.0]]
    assert covers(line, read, "A0001/form.pdf", 1) == []  # a PDF's pages stay apart
    assert covers(line, read, "A0001/form.pdf", 2) == [[5.0, 5.0, 50.0, 15.0]]
