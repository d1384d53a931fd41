"""Integrity flags: leads for a human reviewer, each naming its evidence.

`dossier_flags` looks at one dossier; `cross_flags` compares the batch's dossiers with each other
and with every earlier batch the store holds (excluding this batch's own earlier records of the
same dossiers, so a re-run never flags a dossier against itself, and retired or superseded
batches, `dossierflow.batches`).
"""

from __future__ import annotations

from typing import Optional, Protocol, Sequence, Union

from dossierflow.batch import RunContext
from dossierflow.models import DossierExtraction, Flag
from validators.integrity.cross import CrossThresholds, find_cross_flags
from validators.integrity.fingerprint import DossierPrint, PackedPrint, fingerprint
from validators.integrity.single import (
    blacklist_flags,
    date_flags,
    form_evidence_flags,
    holder_flags,
    id_number_flags,
    journal_flags,
    pdf_edited_flags,
)


class PrintHistory(Protocol):
    """The dossiers of earlier batches a run compares with (`dossierflow.storage.Store` is one);
    judging names what it needs, so it depends on no storage."""

    def history_for(self, batch_id: str, supersedes: tuple[str, ...] = ()) -> Sequence[Union[DossierPrint, PackedPrint]]: ...


__all__ = ["dossier_flags", "cross_flags", "cross_flags_of_prints", "fingerprint", "DossierPrint", "CrossThresholds", "PrintHistory"]


def dossier_flags(extraction: DossierExtraction, ctx: RunContext, threshold: float) -> list[Flag]:
    """`threshold`: the rulebook's `confidence_threshold`; no flag rests on a value read below it."""
    return [
        *id_number_flags(extraction, threshold),
        *holder_flags(extraction, threshold),
        *form_evidence_flags(extraction, threshold),
        *date_flags(extraction, ctx.processing_date, threshold),
        *journal_flags(extraction, threshold),
        *pdf_edited_flags(extraction),
        *blacklist_flags(extraction, ctx),
    ]


def cross_flags(
    extractions: dict[str, DossierExtraction],
    store: Optional[PrintHistory],
    batch_id: str,
    policy_year: int,
    threshold: float,
    thresholds: CrossThresholds = CrossThresholds(),
    supersedes: tuple[str, ...] = (),
) -> dict[str, list[Flag]]:
    """`supersedes`: the batches this one declares it replaces (batch.yaml); they, and retired
    batches, are left out of the history (`dossierflow.batches`). `threshold`: the rulebook's
    confidence threshold (`fingerprint`)."""
    current = [fingerprint(ex, batch_id, policy_year, threshold) for ex in extractions.values()]
    return cross_flags_of_prints(current, store, batch_id, thresholds, supersedes)


def cross_flags_of_prints(
    current: list[DossierPrint],
    store: Optional[PrintHistory],
    batch_id: str,
    thresholds: CrossThresholds = CrossThresholds(),
    supersedes: tuple[str, ...] = (),
) -> dict[str, list[Flag]]:
    """`cross_flags` from the batch's fingerprints: all the checks need of a dossier, so a run
    compares its dossiers without holding their extractions."""
    history: list[Union[DossierPrint, PackedPrint]] = []
    if store is not None:
        mine = {p.dossier_id for p in current}
        history = [p for p in store.history_for(batch_id, supersedes) if not (p.batch_id == batch_id and p.dossier_id in mine)]
    return find_cross_flags(current, history, batch_id, thresholds)
