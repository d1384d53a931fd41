"""Rule implementations, registered explicitly: code → (function, parameter model).

The rulebook supplies each rule's clause, severity and parameters; this mapping supplies the
code that reads them. Batch rules (`batch=True`) have no per-dossier function: the engine's
`evaluate_batch` runs them over the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from validators.rules import achievements as ac
from validators.rules import eligibility as el
from validators.rules import forms as fo
from validators.rules import materials as ma
from validators.rules.base import Facts, NoParams, Params, RuleResult
from validators.rules.quota import BatchPapersParams, DeadlineParams, PostQuotaParams
from validators.rules.seniority import SeniorityParams, seniority

RuleFunc = Callable[[Facts, Params], RuleResult]


@dataclass(frozen=True)
class RuleImpl:
    params: type[Params]
    func: Optional[RuleFunc] = None
    batch: bool = False


REGISTRY: dict[str, RuleImpl] = {
    "EVAL_FORM_PRESENT": RuleImpl(NoParams, ma.eval_form_present),
    "SUBMIT_FORM_PRESENT": RuleImpl(NoParams, ma.submit_form_present),
    "PLEDGE_SIGNED": RuleImpl(ma.PledgeParams, ma.pledge_signed),
    "PHOTO_PRESENT": RuleImpl(ma.PhotoParams, ma.photo_present),
    "ATTACHMENTS_A4": RuleImpl(ma.A4Params, ma.attachments_a4),
    "MATERIAL_LIST_MATCHES": RuleImpl(ma.MaterialListParams, ma.material_list_matches),
    "EVIDENCE_DATED": RuleImpl(ac.EvidenceDatedParams, ac.evidence_dated),
    "CLAIMS_SUPPORTED": RuleImpl(ac.ClaimsParams, ac.claims_supported),
    "FORMS_CONSISTENT": RuleImpl(fo.FormsParams, fo.forms_consistent),
    "PUBLICITY_DONE": RuleImpl(ma.PublicityParams, ma.publicity_done),
    "CE_CARD_VALID": RuleImpl(ma.CeCardParams, ma.ce_card_valid),
    "ENTRUSTMENT_PRESENT": RuleImpl(ma.EntrustmentParams, ma.entrustment_present),
    "REPRESENTATIVE_WORK": RuleImpl(ac.RepresentativeWorkParams, ac.representative_work),
    "STATUS_ALLOWED": RuleImpl(el.StatusParams, el.status_allowed),
    "EVALUATION_CHANNEL": RuleImpl(el.ChannelParams, el.evaluation_channel),
    "EXAM_PASSED": RuleImpl(el.ExamParams, el.exam_passed),
    "SENIORITY": RuleImpl(SeniorityParams, seniority),
    "EDUCATION_CUTOFF": RuleImpl(el.EducationCutoffParams, el.education_cutoff),
    "EDUCATION_MINIMUM": RuleImpl(el.EducationMinimumParams, el.education_minimum),
    "SENIOR_TEACHER_QUOTA": RuleImpl(el.SeniorTeacherParams, el.senior_teacher_quota),
    "EXCEPTIONAL_BASIS": RuleImpl(el.ExceptionalParams, el.exceptional_basis),
    "TEACHER_POST_GRADE": RuleImpl(el.PostGradeParams, el.teacher_post_grade),
    "POST_QUOTA": RuleImpl(PostQuotaParams, batch=True),
    "NOT_BLACKLISTED": RuleImpl(el.BlacklistParams, el.not_blacklisted),
    "SAME_REGION": RuleImpl(el.SameRegionParams, el.same_region),
    "BATCH_PAPERS": RuleImpl(BatchPapersParams, batch=True),
    "SUBMISSION_DEADLINE": RuleImpl(DeadlineParams, batch=True),
}
BATCH_RULE_CODES = tuple(code for code, impl in REGISTRY.items() if impl.batch)
