"""Canonical names shared by every stage, in frozen sets.

A rulebook, a fixture or an extractor that names something outside these sets is a bug that
must fail loudly at load time, not a value that silently never matches.
"""

from __future__ import annotations

from typing import Final

FIELD_KEYS: Final = frozenset(
    {
        "name",
        "gender",
        "birth_date",
        "id_number",
        "employer",
        "employer_type",
        "region",
        "region_level",
        "person_status",
        "transfer_date",
        "current_title",
        "current_title_date",
        "series",
        "specialty",
        "applied_title",
        "applied_level",
        "route",
        "education",
        "full_time",
        "school",
        "major",
        "graduation_date",
        "work_start_date",
        "county_years",
        "township_years",
        "post_grade",
        "covid_frontline",
        "skill_level",
        "skill_level_date",
        "public_ce_hours",
        "submission_date",
    }
)

# Fields whose value is an ISO date string (YYYY-MM or YYYY-MM-DD).
DATE_FIELDS: Final = frozenset(
    {
        "birth_date",
        "transfer_date",
        "current_title_date",
        "graduation_date",
        "work_start_date",
        "skill_level_date",
        "submission_date",
    }
)
INT_FIELDS: Final = frozenset({"county_years", "township_years", "post_grade"})
NUMBER_FIELDS: Final = frozenset({"public_ce_hours"})
BOOL_FIELDS: Final = frozenset({"full_time", "covid_frontline"})
# Fields computed from other fields, never read from a label.
DERIVED_FIELDS: Final = frozenset({"region_level", "applied_level"})

DOC_KINDS: Final = (
    "eval_form",
    "submit_form",
    "material_list",
    "pledge",
    "ce_card",
    "publicity",
    "diploma",
    "degree",
    "title_cert",
    "skill_cert",
    "award",
    "honor",
    "paper",
    "patent",
    "work_summary",
    "exam_cert",
    "employment",
    "covid_proof",
    "entrustment",
    "photo",
    "unknown",
)
DOC_KIND_SET: Final = frozenset(DOC_KINDS)

# Evidence kinds: one per attachment kind that carries a claim, plus items listed on forms.
EVIDENCE_KINDS: Final = frozenset(
    {
        "paper",
        "award",
        "honor",
        "patent",
        "diploma",
        "degree",
        "title_cert",
        "skill_cert",
        "exam_cert",
        "employment",
        "covid_proof",
        "entrustment",
        "pledge",
        "ce_card",
        "publicity",
        "photo",
        "material_list",
        "work_summary",  # its full text, for TEXT_REUSE
        # claims written on the eval_form (papers, awards, achievements listed there)
        "claimed_paper",
        "claimed_award",
        "claimed_achievement",
    }
)

EMPLOYER_TYPES: Final = frozenset(
    {"government", "public_institution", "state_enterprise", "non_public", "social_org", "external_unit"}
)
REGION_LEVELS: Final = frozenset({"city", "county", "township"})
PERSON_STATUSES: Final = frozenset(
    {
        "professional",
        "civil_servant",
        "civil_servant_managed",
        "retired",
        "military_transfer",
        "civil_servant_transfer",
    }
)
LEVELS: Final = ("technician", "assistant", "intermediate", "deputy_senior", "senior")
ROUTES: Final = frozenset(
    {
        "regular",
        "exceptional",
        "recognition",
        "township_direct",
        "series_transfer",
        "non_public_direct",
        "skilled_worker",
        "civil_servant_transfer",
    }
)
EDUCATIONS: Final = ("secondary", "associate", "bachelor", "master", "doctorate")
SKILL_LEVELS: Final = ("高级工", "技师", "高级技师")

RULE_CODES: Final = (
    "EVAL_FORM_PRESENT",
    "SUBMIT_FORM_PRESENT",
    "PLEDGE_SIGNED",
    "PHOTO_PRESENT",
    "ATTACHMENTS_A4",
    "MATERIAL_LIST_MATCHES",
    "EVIDENCE_DATED",
    "CLAIMS_SUPPORTED",
    "FORMS_CONSISTENT",
    "PUBLICITY_DONE",
    "CE_CARD_VALID",
    "ENTRUSTMENT_PRESENT",
    "REPRESENTATIVE_WORK",
    "STATUS_ALLOWED",
    "EVALUATION_CHANNEL",
    "EXAM_PASSED",
    "SENIORITY",
    "EDUCATION_CUTOFF",
    "EDUCATION_MINIMUM",
    "SENIOR_TEACHER_QUOTA",
    "EXCEPTIONAL_BASIS",
    "TEACHER_POST_GRADE",
    "POST_QUOTA",
    "NOT_BLACKLISTED",
    "SAME_REGION",
    "BATCH_PAPERS",
    "SUBMISSION_DEADLINE",
)
RULE_CODE_SET: Final = frozenset(RULE_CODES)

FLAG_CODES: Final = (
    "ID_NUMBER_INVALID",
    "DUPLICATE_APPLICANT",
    "DUPLICATE_ATTACHMENT",
    "SHARED_PAPER",
    "HOLDER_MISMATCH",
    "FORM_EVIDENCE_MISMATCH",
    "DATE_IMPOSSIBLE",
    "ISSN_INVALID",
    "PDF_EDITED",
    "TEXT_REUSE",
    "BLACKLIST_HIT",
)
FLAG_CODE_SET: Final = frozenset(FLAG_CODES)

STATUSES: Final = ("error", "integrity_review", "rejected", "returned", "needs_review", "accepted")
OUTCOMES: Final = ("pass", "fail", "review", "not_applicable")

# Document kinds that are attachments (certificates, letters): DUPLICATE_ATTACHMENT compares their
# pages across dossiers, by image and by what the page says, so their text outlives slimming.
ATTACHMENT_KINDS: Final = frozenset(
    {"diploma", "degree", "title_cert", "skill_cert", "award", "honor", "patent", "exam_cert", "employment", "covid_proof"}
)
