"""Chinese labels for what clerks and reviewers read in reports."""

from __future__ import annotations

STATUS_LABELS = {
    "accepted": "通过",
    "returned": "退回补正",
    "rejected": "不予受理",
    "integrity_review": "诚信复核",
    "needs_review": "待人工审核",
    "error": "无法处理",
}

OUTCOME_LABELS = {"pass": "符合", "fail": "不符合", "review": "需人工审核", "not_applicable": "不适用"}

FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生年月",
    "id_number": "身份证号码",
    "employer": "工作单位",
    "employer_type": "单位性质",
    "region": "所在地区",
    "region_level": "单位隶属层级",
    "person_status": "人员身份",
    "transfer_date": "调入时间",
    "current_title": "现任专业技术职务",
    "current_title_date": "现职称取得时间",
    "series": "申报系列",
    "specialty": "申报专业",
    "applied_title": "申报资格",
    "applied_level": "申报级别",
    "route": "申报类型",
    "education": "最高学历",
    "full_time": "学习形式",
    "school": "毕业院校",
    "major": "所学专业",
    "graduation_date": "毕业时间",
    "work_start_date": "参加工作时间",
    "county_years": "旗县区工作年限",
    "township_years": "苏木乡镇工作年限",
    "post_grade": "现聘岗位等级",
    "covid_frontline": "是否疫情防控一线人员",
    "skill_level": "技能等级",
    "skill_level_date": "技能等级取得时间",
    "public_ce_hours": "2020年公需科目学时",
    "submission_date": "申报日期",
}

KIND_LABELS = {
    "eval_form": "专业技术资格评审表",
    "submit_form": "专业技术资格送审表",
    "material_list": "送评材料目录单",
    "pledge": "诚信承诺书",
    "ce_card": "继续教育审验卡",
    "publicity": "公示情况说明",
    "diploma": "毕业证书",
    "degree": "学位证书",
    "title_cert": "专业技术资格证书",
    "skill_cert": "职业资格/技能等级证书",
    "award": "获奖证书",
    "honor": "荣誉证书",
    "paper": "论文",
    "patent": "专利证书",
    "work_summary": "专业技术工作总结",
    "exam_cert": "资格考试合格证明",
    "employment": "聘用证明",
    "covid_proof": "疫情防控一线工作证明",
    "entrustment": "委托函",
    "photo": "照片",
    "unknown": "未识别页面",
    "claimed_paper": "评审表所列论文",
    "claimed_award": "评审表所列奖项",
    "claimed_achievement": "评审表所列业绩成果",
}

FLAG_LABELS = {
    "ID_NUMBER_INVALID": "身份证号码校验不符",
    "DUPLICATE_APPLICANT": "同一人重复申报",
    "DUPLICATE_ATTACHMENT": "附件与他人雷同",
    "SHARED_PAPER": "论文被两人同时作为第一作者申报",
    "HOLDER_MISMATCH": "证书持有人与申报人不符",
    "FORM_EVIDENCE_MISMATCH": "表内信息与证明材料不符",
    "DATE_IMPOSSIBLE": "日期不合常理",
    "ISSN_INVALID": "刊号（ISSN/CN）无效",
    "PDF_EDITED": "扫描件有编辑痕迹",
    "TEXT_REUSE": "工作总结或论文与他人雷同",
    "BLACKLIST_HIT": "列入失信黑名单",
}
