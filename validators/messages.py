"""Chinese names clerks read in finding messages, for codes the data uses."""

from __future__ import annotations

from typing import Final

from dossierflow.labels import FIELD_LABELS  # noqa: F401  (one table for reports and findings)
from dossierflow.privacy import mask_id  # noqa: F401  (re-exported for the rules)

LEVEL_NAMES: Final[dict[str, str]] = {
    "none": "无职称",
    "technician": "员级",
    "assistant": "助理级",
    "intermediate": "中级",
    "deputy_senior": "副高级",
    "senior": "正高级",
}

EDUCATION_NAMES: Final[dict[str, str]] = {
    "secondary": "中专",
    "associate": "大专",
    "bachelor": "本科",
    "master": "硕士研究生",
    "doctorate": "博士研究生",
}

ROUTE_NAMES: Final[dict[str, str]] = {
    "regular": "正常申报",
    "exceptional": "破格申报",
    "recognition": "考核认定",
    "township_direct": "苏木乡镇直接申报",
    "series_transfer": "转系列",
    "non_public_direct": "非公直接申报",
    "skilled_worker": "高技能人才",
    "civil_servant_transfer": "公务员调入/军转",
}

EMPLOYER_NAMES: Final[dict[str, str]] = {
    "government": "机关",
    "public_institution": "事业单位",
    "state_enterprise": "国有企业",
    "non_public": "非公有制企业",
    "social_org": "社会组织",
    "external_unit": "中央或外省区驻包单位",
}

STATUS_NAMES: Final[dict[str, str]] = {
    "professional": "专业技术人员",
    "civil_servant": "公务员",
    "civil_servant_managed": "参照公务员法管理人员",
    "retired": "退休人员",
    "military_transfer": "军队转业干部",
    "civil_servant_transfer": "公务员调入",
}

KIND_NAMES: Final[dict[str, str]] = {
    "eval_form": "《专业技术资格评审表》",
    "submit_form": "《专业技术资格送审表》",
    "material_list": "《专业技术资格送评材料目录单》",
    "pledge": "《职称申报诚信承诺书》",
    "ce_card": "继续教育审验卡",
    "publicity": "公示情况说明",
    "diploma": "毕业证书",
    "degree": "学位证书",
    "title_cert": "专业技术资格证书",
    "skill_cert": "职业资格（技能等级）证书",
    "award": "获奖证书",
    "honor": "荣誉证书",
    "paper": "论文",
    "patent": "专利证书",
    "work_summary": "专业技术工作总结",
    "exam_cert": "资格考试成绩合格证明",
    "employment": "聘用证明",
    "covid_proof": "疫情防控一线工作证明",
    "entrustment": "委托函",
    "photo": "照片",
    "unknown": "未识别材料",
}

