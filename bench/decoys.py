"""Blacklist entries that must not match: loaded beside the truth's real entries.

Seeding the blacklist with the truth's true positives alone measures recall only: a lookup that
matched any number, or ignored an entry's end date, would still score perfectly. Each dossier
that is not meant to hit gets one decoy, chosen by its position (no random draw, so the
generated batch is unchanged): an entry on its own ID number that ended before the policy year
(expired), or an entry on a valid number one digit away from its own (another person). A
BLACKLIST_HIT on any of them is a flag the truth lacks, a decisive error.
"""

from __future__ import annotations

from fixtures.idnumber import check_digit
from fixtures.truth import BatchTruth, BlacklistEntry

EXPIRED_SINCE, EXPIRED_UNTIL = "2012-08-01", "2017-07-31"  # five years, over before any 2020 batch
CURRENT_SINCE, CURRENT_UNTIL = "2019-08-01", "2024-07-31"  # as the truth's real entries


def near_miss(number: str, taken: set[str]) -> str | None:
    """A valid ID number differing from `number` in one digit of its sequence code (the same
    area and birth date: the closest another person's number comes), not one in `taken`."""
    for pos in (16, 15, 14):
        for step in range(1, 10):
            digit = (int(number[pos]) + step) % 10
            first17 = number[:pos] + str(digit) + number[pos + 1:17]
            candidate = first17 + check_digit(first17)
            if candidate not in taken:
                return candidate
    return None


def decoy_entries(truth: BatchTruth) -> list[BlacklistEntry]:
    listed = {e.id_number for e in truth.blacklist}
    ids = {str(d.fields.get("id_number")) for d in truth.dossiers if d.fields.get("id_number")}
    decoys: list[BlacklistEntry] = []
    for k, d in enumerate(truth.dossiers):
        own = d.fields.get("id_number")
        if not own or "BLACKLIST_HIT" in d.expected_flags or own in listed:
            continue
        own = str(own)
        if k % 2 == 0:
            decoys.append(BlacklistEntry(id_number=own, reason="2012年申报中论文抄袭（处理期已满）",
                                         since=EXPIRED_SINCE, until=EXPIRED_UNTIL))
        else:
            other = near_miss(own, ids | listed)
            if other is not None:
                decoys.append(BlacklistEntry(id_number=other, reason="2019年申报中业绩造假，经查实",
                                             since=CURRENT_SINCE, until=CURRENT_UNTIL))
    return decoys
