"""Writes notice.docx beside this script: the default 补正通知 template.

Run it again after changing it (`python dossierflow/templates/make_notice_template.py`); the
generated file is committed so a run needs no build step.

An office may use its own Word file instead (`dossier run --notice-template PATH`). The writer
replaces these placeholders wherever they stand (body, tables, headers, footers):

  {unit} {name} {id_masked} {series} {applied_title} {dossier_id} {batch_id} {policy} {date}

and repeats once per failed rule the table row holding {rule}, filling in that row:

  {no} {rule} {code} {problem} {remedy} {clause} {where}
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (portrait A4 is set by size below)
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).parent
TEMPLATE = HERE / "notice.docx"
COLUMNS = [("序号", "{no}", 10), ("审核项目", "{rule}", 30), ("存在问题", "{problem}", 45),
           ("需补交或更正的材料", "{remedy}", 45), ("政策依据", "{clause}", 20), ("所在位置", "{where}", 30)]


def _font(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    _font(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("职称申报材料补正通知")
    run.bold = True
    run.font.size = Pt(18)

    doc.add_paragraph("{unit}：")
    doc.add_paragraph(
        "    贵单位报送的{name}（身份证号码 {id_masked}，申报{series}系列{applied_title}，"
        "材料编号 {dossier_id}）的职称申报材料，经审核有下列材料不符合《{policy}》的要求，"
        "请通知申报人按下表补正："
    )
    table = doc.add_table(rows=2, cols=len(COLUMNS))
    table.style = "Table Grid"
    for i, (head, cell, width) in enumerate(COLUMNS):
        table.rows[0].cells[i].text = head
        table.rows[0].cells[i].paragraphs[0].runs[0].bold = True
        table.rows[1].cells[i].text = cell
        for row in table.rows:
            row.cells[i].width = Mm(width)
    doc.add_paragraph()
    doc.add_paragraph("    请于______年____月____日前将补正材料报送我局职称评审工作办公室。逾期未补正的，视为本年度放弃申报。")
    doc.add_paragraph("    批次：{batch_id}")
    doc.add_paragraph()
    seal = doc.add_paragraph("（盖  章）")
    seal.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    day = doc.add_paragraph("{date}")
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
