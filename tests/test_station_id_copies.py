"""An ID number printed anywhere in a dossier, not only where the `id_number` field was read, is
drawn flat in every picture the station shows someone who reads ID numbers masked: here a
rasterised ID-card copy (身份证复印件) added to a generated dossier, read by the real `dossier
run` (real Tesseract), and a text-PDF pledge quoting the number. A reviewer, entitled to the
full number, gets the original pictures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dossierflow.station.app import create_app
from dossierflow.station.images import PageImages
from tests.conftest import run_dossier
from tests.station_support import PASSWORD, StationBatch, add_user, form_token

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
COPY = "身份证复印件.jpg"


def _draw_id_card_copy(path: Path, name: str, id_number: str) -> tuple[int, int, int, int]:
    """A scanned ID-card copy (150 dpi A4, the card's back and front as printed): returns the
    pixel box of the ID number on it."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    big, text = ImageFont.truetype(FONT, 44), ImageFont.truetype(FONT, 36)
    draw.text((380, 120), "居民身份证复印件", font=big, fill=0)
    draw.rounded_rectangle((170, 260, 1070, 820), radius=30, outline=0, width=3)
    draw.text((220, 320), f"姓名  {name}", font=text, fill=0)
    draw.text((220, 400), "性别  男      民族  汉", font=text, fill=0)
    draw.text((220, 480), "住址  内蒙古包头市昆都仑区钢铁大街", font=text, fill=0)
    draw.text((220, 680), "公民身份号码", font=text, fill=0)
    at = (480, 680)
    draw.text(at, id_number, font=text, fill=0)
    box = draw.textbbox(at, id_number, font=text)
    page.save(path, dpi=(150, 150), quality=92)
    return box


@pytest.fixture(scope="module")
def batch_with_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[StationBatch, str, tuple[int, int, int, int]]:
    from fixtures.generate import generate_batch

    base = tmp_path_factory.mktemp("id-copies")
    truth = generate_batch(base / "batch", n=1, seed=7, forms=["text_pdf"], damage="clean")
    dossier = truth.dossiers[0]
    id_number = str(dossier.fields["id_number"])
    box = _draw_id_card_copy(base / "batch" / dossier.dossier_id / COPY, str(dossier.fields["name"]), id_number)
    env = {"DOSSIER_DATA_DIR": str(base / "data"), "DOSSIER_LOG_KEY_FILE": str(base / "key" / "log.key")}
    run_dossier("run", str(base / "batch"), "--out", str(base / "out"), "--workers", "1", "--date", "2020-07-01",
                "--db", f"sqlite:///{base / 'data' / 'db.sqlite'}", env=env)
    batch = StationBatch(root=base / "batch", out=base / "out", db=f"sqlite:///{base / 'data' / 'db.sqlite'}",
                         key_file=base / "key" / "log.key")
    add_user(batch, "zhao", "clerk")
    add_user(batch, "wang", "reviewer")
    return batch, dossier.dossier_id, box


def _signed_in(batch: StationBatch, tmp_path: Path, name: str) -> TestClient:
    app = create_app([batch.out], batch.db, str(batch.key_file), images=PageImages(tmp_path / name))
    client = TestClient(app, base_url="http://127.0.0.1")
    token = form_token(client.get("/login").text)
    resp = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:500]
    return client


def _grey_values(client: TestClient, url: str, box: tuple[float, float, float, float], scale_to: float) -> set:
    """The grey values inside `box` (given on a page `scale_to` units wide), 3 pixels in."""
    from PIL import Image

    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/png", resp.text[:300]
    image = Image.open(io.BytesIO(resp.content)).convert("L")
    s = image.width / scale_to
    left, top, right, bottom = (round(v * s) for v in box)
    return {image.getpixel((x, y)) for x in range(left + 3, right - 3) for y in range(top + 3, bottom - 3)}


def test_an_id_card_copy_shows_its_number_flat_to_clerks_only(batch_with_copy, tmp_path: Path) -> None:  # noqa: ANN001
    batch, dossier, box = batch_with_copy
    line = batch.results()[dossier]
    file = f"{dossier}/{COPY}"
    assert any(d["file"] == file for d in line["documents"]), line["documents"]
    assert line["fields"]["id_number"]["source"]["file"] != file  # the field was read elsewhere
    url = f"/b/{line_batch(batch)}/d/{dossier}/page?file={file}&bbox=0,0,1,1"
    clerk, reviewer = _signed_in(batch, tmp_path, "zhao"), _signed_in(batch, tmp_path, "wang")
    # The image's one frame, asked for without a page or as page 1 (as some findings cite it).
    for asked in (url, url + "&page=1"):
        assert len(_grey_values(clerk, asked, box, 1240)) == 1  # drawn flat: nothing of the number shows
        assert len(_grey_values(reviewer, asked, box, 1240)) > 1  # the reviewer reads its ink


def test_a_pledge_quoting_the_number_shows_it_flat_to_clerks(batch_with_copy, tmp_path: Path) -> None:  # noqa: ANN001
    """A text-PDF page: the line quoting the number, wherever the form's field was read."""
    from dossierflow.cache import ExtractionCache
    from dossierflow.judging_record import JudgingRecord

    batch, dossier, _ = batch_with_copy
    line = batch.results()[dossier]
    id_number = line["fields"]["id_number"]["value"]
    key = next(d.key for d in JudgingRecord.load(batch.out).dossiers if d.dossier_id == dossier)
    extraction = ExtractionCache(batch.out).get(key)
    field_src = line["fields"]["id_number"]["source"]
    quoting = [(p, s) for p in extraction.pages if p.method == "text" for s in p.segments
               if id_number in s.text.replace(" ", "") and [float(v) for v in s.box] != field_src.get("bbox")]
    assert quoting, "no text-PDF line quotes the ID number apart from the field's own"
    page, seg = quoting[0]
    url = f"/b/{line_batch(batch)}/d/{dossier}/page?file={page.file}&page={page.page}&bbox=0,0,1,1"
    clerk, reviewer = _signed_in(batch, tmp_path, "zhao"), _signed_in(batch, tmp_path, "wang")
    assert len(_grey_values(clerk, url, seg.box, page.width_pt)) == 1
    assert len(_grey_values(reviewer, url, seg.box, page.width_pt)) > 1


def line_batch(batch: StationBatch) -> str:
    import json

    return json.loads((batch.out / "batch.json").read_text(encoding="utf-8"))["batch_id"]
