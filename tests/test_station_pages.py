"""The station's pages over HTTP (Starlette's test client, no browser): sessions, roles, CSRF,
the queue, the dossier view with its evidence images, lead decisions and bad input. The batch is
real: generated text PDFs processed by `dossier run` (tests/station_support.py)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dossierflow.station.app import create_app
from dossierflow.station.images import PageImages
from dossierflow.storage import open_store
from tests import station_support
from tests.station_support import PASSWORD, StationBatch, add_user, form_fields, form_token

# The shared fixture, bound here so pytest finds it in this module.
station_batch = station_support.station_batch

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _client(batch: StationBatch, tmp_path: Path) -> TestClient:
    images = PageImages(tmp_path / "images")
    app = create_app([batch.out], batch.db, str(batch.key_file), images=images)
    client = TestClient(app, base_url="http://127.0.0.1")
    client.images = images  # type: ignore[attr-defined]
    return client


def _login(client: TestClient, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf": token}, follow_redirects=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_anonymous_requests_get_the_login_page(station_batch: StationBatch, tmp_path: Path) -> None:
    client = _client(station_batch, tmp_path)
    dossier = station_batch.dossier_with("needs_review")
    html = client.get(f"/b/{station_batch.results()[dossier]['dossier_id']}").text  # unknown address
    assert "登录" in html
    line = station_batch.results()[dossier]
    src = next(s for f in line["findings"] for s in f.get("sources", []) if s.get("bbox"))
    bbox = ",".join(str(v) for v in src["bbox"])
    batch_id = "batch"
    for path in ["/", "/log", "/users", f"/b/{batch_id}/d/{dossier}", f"/b/{batch_id}/d/{dossier}/crop?file={src['file']}&page={src['page']}&bbox={bbox}",
                 f"/b/{batch_id}/d/{dossier}/page?file={src['file']}&page={src['page']}&bbox={bbox}", "/no/such/page"]:
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next="), path
        assert 'name="username"' in client.get(path).text and 'name="password"' in client.get(path).text
    posted = client.post(f"/b/{batch_id}/d/{dossier}/lead", data={"lead_id": "x", "decision": "dismiss", "reason": "r"}, follow_redirects=False)
    assert posted.status_code == 403


def test_login_sets_a_private_cookie_and_logout_ends_it(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    resp = _login(client, "wang")
    assert resp.status_code == 303
    cookie = resp.headers["set-cookie"]
    assert "dossier_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "待办队列" in client.get("/").text
    token = form_token(client.get("/").text)
    client.post("/logout", data={"csrf": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_failed_logins_are_limited_and_logged_without_password(station_batch: StationBatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    caplog.set_level(logging.INFO)
    for _ in range(5):
        resp = _login(client, "wang", "wrong-guess-77")
        assert resp.status_code == 401 and "用户名或密码错误" in resp.text
    blocked = _login(client, "wang")  # even the right password, until the window passes
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text
    assert "failed station login for user 'wang'" in caplog.text
    assert "wrong-guess-77" not in caplog.text and PASSWORD not in caplog.text


def test_login_form_without_its_token_is_refused(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    client.get("/login")
    resp = client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False)
    assert resp.status_code == 403 and "安全令牌" in resp.text
    assert client.get("/", follow_redirects=False).status_code == 303  # not logged in


def test_queue_puts_leads_first_then_reviews(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "zhao", "clerk")
    client = _client(station_batch, tmp_path)
    _login(client, "zhao")
    text = _text(client.get("/").text)
    assert text.index("诚信复核") < text.index("待人工审核")
    for dossier_id in station_batch.results():
        assert dossier_id in text


def test_dossier_view_shows_titles_clauses_crops_and_masks_for_clerks(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "zhao", "clerk")
    add_user(station_batch, "wang", "reviewer")
    results = station_batch.results()
    flagged = station_batch.dossier_with("integrity_review")
    full_id = results[flagged]["fields"]["id_number"]["value"]
    masked = full_id[:6] + "*" * (len(full_id) - 10) + full_id[-4:]
    clerk = _client(station_batch, tmp_path / "c")
    _login(clerk, "zhao")
    page = clerk.get(f"/b/{_batch_id(station_batch)}/d/{flagged}").text
    assert full_id not in page and masked in page
    assert "身份证号码校验不符" in page  # the lead, in Chinese
    assert "lead-form" not in page and "correct-form" not in page  # a clerk gets no forms
    reviewer = _client(station_batch, tmp_path / "r")
    _login(reviewer, "wang")
    assert full_id in reviewer.get(f"/b/{_batch_id(station_batch)}/d/{flagged}").text

    dossier = station_batch.dossier_with("needs_review")
    html = reviewer.get(f"/b/{_batch_id(station_batch)}/d/{dossier}").text
    review = next(f for f in results[dossier]["findings"] if f["outcome"] == "review")
    top = _text(html.split("逐条审核结果")[0])
    assert "待人工审核" in top and review["rule"] in top and review["clause"] in top
    from validators.rulebook import load_rulebook

    assert load_rulebook().rules[review["rule"]].title in top  # the Chinese name beside the code
    crops = re.findall(r'<img class="crop" src="([^"]+)"', html)
    assert crops
    first = reviewer.get(crops[0].replace("&amp;", "&"))
    assert first.status_code == 200 and first.headers["content-type"] == "image/png" and first.content[:8] == b"\x89PNG\r\n\x1a\n"
    whole = reviewer.get(crops[0].replace("&amp;", "&").replace("/crop?", "/page?"))
    assert whole.status_code == 200 and len(whole.content) > len(first.content)
    rendered = reviewer.images.rendered  # type: ignore[attr-defined]
    assert reviewer.get(crops[0].replace("&amp;", "&")).content == first.content
    assert reviewer.images.rendered == rendered  # the second look came from the cache  # type: ignore[attr-defined]


def test_images_only_for_files_the_dossier_points_at(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    _login(client, "wang")
    dossier = station_batch.dossier_with("needs_review")
    other = next(d for d in station_batch.results() if d != dossier)
    other_file = next(iter(station_batch.results()[other]["fields"].values()))["source"]["file"]
    base = f"/b/{_batch_id(station_batch)}/d/{dossier}"
    for query in [f"file={other_file}&page=1&bbox=0,0,100,100", "file=../../etc/passwd&page=1&bbox=0,0,9,9", "file=x&page=abc&bbox=1,2,3,4"]:
        resp = client.get(f"{base}/crop?{query}")
        assert resp.status_code in (400, 404) and resp.headers["content-type"].startswith("text/plain")


def _batch_id(batch: StationBatch) -> str:
    import json

    return json.loads((batch.out / "batch.json").read_text(encoding="utf-8"))["batch_id"]


def _lead_form(html: str) -> dict[str, str]:
    forms = form_fields(html, "lead-form")
    assert forms, "no lead form on the page"
    return forms[0]


def test_lead_decisions_by_role_csrf_and_staleness(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    add_user(station_batch, "zhao", "clerk")
    add_user(station_batch, "sun", "auditor")
    flagged = station_batch.dossier_with("integrity_review")
    url = f"/b/{_batch_id(station_batch)}/d/{flagged}"
    reviewer = _client(station_batch, tmp_path / "r")
    _login(reviewer, "wang")
    html = reviewer.get(url).text
    form = {**_lead_form(html), "decision": "dismiss", "reason": "校验码系录入笔误，已核对身份证原件"}

    def decisions() -> int:
        store = open_store(station_batch.db, station_batch.key_file)
        try:
            return store.decision_count()  # type: ignore[union-attr]
        finally:
            store.close()  # type: ignore[union-attr]

    # A forged form (no CSRF token) and a clerk's or auditor's own token change nothing.
    forged = reviewer.post(f"{url}/lead", data={k: v for k, v in form.items() if k != "csrf"})
    assert forged.status_code == 403 and "安全令牌" in forged.text
    for name in ("zhao", "sun"):
        other = _client(station_batch, tmp_path / name)
        _login(other, name)
        own = form_token(other.get(url).text)
        refused = other.post(f"{url}/lead", data={**form, "csrf": own})
        assert refused.status_code == 403 and "不能作出决定" in refused.text
    assert decisions() == 0

    done = reviewer.post(f"{url}/lead", data=form)
    assert done.status_code == 200 and "已排除线索" in done.text and "档案状态" in done.text
    assert "已排除" in _text(done.text) and decisions() == 1
    # The same form again: stale, refused in Chinese, nothing written.
    again = reviewer.post(f"{url}/lead", data=form)
    assert again.status_code == 400 and ("页面已过期" in again.text or "不能重复决定" in again.text)
    assert decisions() == 1


def test_bad_input_changes_nothing(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    _login(client, "wang")
    before = (station_batch.out / "results.jsonl").read_bytes()
    token = form_token(client.get("/").text)
    unknown = client.post(f"/b/{_batch_id(station_batch)}/d/NO-SUCH/lead", data={"csrf": token, "lead_id": "x", "decision": "dismiss", "reason": "r"})
    assert unknown.status_code == 404 and "没有档案 NO-SUCH" in unknown.text
    assert client.get(f"/b/{_batch_id(station_batch)}/d/NO-SUCH").status_code == 404
    flagged = station_batch.dossier_with("integrity_review")
    other = station_batch.dossier_with("needs_review")
    url = f"/b/{_batch_id(station_batch)}/d/{flagged}"
    form = _lead_form(client.get(url).text)
    # A lead posted against another dossier, an empty reason, an unknown decision.
    other_version = form_fields(client.get(f"/b/{_batch_id(station_batch)}/d/{other}").text, "settle-form")
    cases = [
        (f"/b/{_batch_id(station_batch)}/d/{other}/lead", {**form, "decision": "dismiss", "reason": "r",
                                                          "version": (other_version[0]["version"] if other_version else form["version"])}),
        (f"{url}/lead", {**form, "decision": "dismiss", "reason": " "}),
        (f"{url}/lead", {**form, "decision": "maybe", "reason": "r"}),
    ]
    for target, data in cases:
        resp = client.post(target, data=data)
        assert resp.status_code == 400 and 'id="error"' in resp.text, (target, data)
    assert (station_batch.out / "results.jsonl").read_bytes() == before
    store = open_store(station_batch.db, station_batch.key_file)
    assert store.decision_count() == 0  # type: ignore[union-attr]
    store.close()  # type: ignore[union-attr]


def test_serve_refuses_a_folder_without_results(tmp_path: Path) -> None:
    from tests.conftest import run_dossier

    proc = run_dossier("serve", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'db.sqlite'}", check=False, timeout=120)
    assert proc.returncode == 2 and "中没有 results.jsonl" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_dossier("serve", str(tmp_path), "--port", "70000", check=False, timeout=120)
    assert proc.returncode == 2 and "--port" in proc.stderr


def _with_review(batch: StationBatch, rule: str) -> str:
    return next(d for d, line in sorted(batch.results().items())
                if any(f["rule"] == rule and f["outcome"] == "review" for f in line["findings"]))


def _form_for(html: str, form_class: str, **match: str) -> dict[str, str]:
    return next(f for f in form_fields(html, form_class) if all(f.get(k) == v for k, v in match.items()))


def test_correction_judges_again_and_a_bad_value_changes_nothing(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    _login(client, "wang")
    dossier = _with_review(station_batch, "EVALUATION_CHANNEL")  # a unit in an urban district
    url = f"/b/{_batch_id(station_batch)}/d/{dossier}"
    before = (station_batch.out / "results.jsonl").read_bytes()
    html = client.get(url).text
    date_form = _form_for(html, "correct-form", field="work_start_date")
    bad = client.post(f"{url}/correct", data={**date_form, "value": "明年春天", "reason": "核对原件"})
    assert bad.status_code == 400 and "参加工作时间" in bad.text and 'id="error"' in bad.text
    assert (station_batch.out / "results.jsonl").read_bytes() == before

    region_form = _form_for(html, "correct-form", field="region")
    done = client.post(f"{url}/correct", data={**region_form, "value": "固阳县", "reason": "单位实属固阳县，见营业执照"})
    assert done.status_code == 200
    assert "已将所在地区更正为「固阳县」" in done.text and "待人工审核 → 通过" in done.text
    line = station_batch.results()[dossier]
    assert line["status"] == "accepted" and line["fields"]["region"]["value"] == "固阳县"
    assert "固阳县" in (station_batch.out / dossier / "report.html").read_text(encoding="utf-8")
    assert "核对原件" not in done.text and "单位实属固阳县" in done.text  # the decision, shown on the page
    after = (station_batch.out / "results.jsonl").read_bytes()
    again = client.post(f"{url}/correct", data={**region_form, "value": "固阳县", "reason": "再提交一次"})
    assert again.status_code == 400 and "页面已过期" in again.text
    assert (station_batch.out / "results.jsonl").read_bytes() == after
    log = _text(client.get("/log").text)
    assert "更正所在地区" in log and "wang" in log


def test_settling_a_review_finding_judges_again(station_batch: StationBatch, tmp_path: Path) -> None:
    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    _login(client, "wang")
    dossier = _with_review(station_batch, "SENIOR_TEACHER_QUOTA")
    url = f"/b/{_batch_id(station_batch)}/d/{dossier}"
    form = _form_for(client.get(url).text, "settle-form", rule="SENIOR_TEACHER_QUOTA")
    done = client.post(f"{url}/settle", data={**form, "outcome": "pass", "reason": "已核对另行通知的职数"})
    assert done.status_code == 200 and "裁定为「符合」" in done.text
    line = station_batch.results()[dossier]
    settled = next(f for f in line["findings"] if f["rule"] == "SENIOR_TEACHER_QUOTA")
    assert settled["outcome"] == "pass" and line["status"] != "needs_review"
    assert "settle-form" not in client.get(url).text  # nothing left to settle


def test_auditors_read_the_log_and_admins_manage_users(station_batch: StationBatch, tmp_path: Path) -> None:
    for name, role in (("sun", "auditor"), ("zhao", "clerk"), ("root1", "admin"), ("wang", "reviewer")):
        add_user(station_batch, name, role)
    flagged = station_batch.dossier_with("integrity_review")
    full_id = station_batch.results()[flagged]["fields"]["id_number"]["value"]
    auditor = _client(station_batch, tmp_path / "a")
    _login(auditor, "sun")
    assert "日志完整" in auditor.get("/log").text
    assert full_id in auditor.get(f"/b/{_batch_id(station_batch)}/d/{flagged}").text
    assert auditor.get("/users").status_code == 403
    clerk = _client(station_batch, tmp_path / "c")
    _login(clerk, "zhao")
    assert clerk.get("/log").status_code == 403 and clerk.get("/users").status_code == 403
    admin = _client(station_batch, tmp_path / "m")
    _login(admin, "root1")
    users = admin.get("/users").text
    assert "wang" in users and "复核人员" in users
    assert full_id not in admin.get(f"/b/{_batch_id(station_batch)}/d/{flagged}").text  # admins are not reviewers
    reviewer = _client(station_batch, tmp_path / "r")
    _login(reviewer, "wang")
    assert reviewer.get("/").status_code == 200
    done = admin.post("/users/disable", data={"csrf": form_token(users), "name": "wang"})
    assert done.status_code == 200 and "已停用用户 wang" in done.text
    # The disabled reviewer's session ends at once, and a new login is refused.
    assert reviewer.get("/", follow_redirects=False).status_code == 303
    assert _login(reviewer, "wang").status_code == 401


def test_word_sources_read_by_table_row_and_cell(tmp_path: Path) -> None:
    from dossierflow.station.app import _source_view
    from dossierflow.station.records import BatchRecord

    rec = BatchRecord(out_dir=tmp_path, batch_id="b", summary={}, lines={}, stamp=(0, 0))
    docx = _source_view(rec, "A0001", {"file": "A0001/评审表.docx", "page": None, "locator": "table 1, row 3, cell 2"})
    assert docx == {"where": "A0001/评审表.docx 表格1第3行第2格", "crop": None, "page": None}
    pdf = _source_view(rec, "A0001", {"file": "A0001/表.pdf", "page": 2, "bbox": [1, 2, 3, 4]})
    assert pdf["where"] == "A0001/表.pdf 第2页" and pdf["crop"].startswith("/b/b/d/A0001/crop?") and "page=2" in pdf["crop"]


def test_a_lead_decided_elsewhere_is_refused_from_an_open_page(station_batch: StationBatch, tmp_path: Path) -> None:
    from dossierflow import review

    add_user(station_batch, "wang", "reviewer")
    client = _client(station_batch, tmp_path)
    _login(client, "wang")
    flagged = station_batch.dossier_with("integrity_review")
    url = f"/b/{_batch_id(station_batch)}/d/{flagged}"
    form = _lead_form(client.get(url).text)  # the page is open; meanwhile `dossier review` decides
    store = open_store(station_batch.db, station_batch.key_file)
    review.dismiss(store, form["lead_id"], "已在命令行核实", "li")  # type: ignore[arg-type]
    store.close()  # type: ignore[union-attr]
    before = (station_batch.out / "results.jsonl").read_bytes()
    resp = client.post(f"{url}/lead", data={**form, "decision": "confirm", "reason": "确认造假"})
    assert resp.status_code == 400 and "不能重复决定" in resp.text and "li" in resp.text
    assert (station_batch.out / "results.jsonl").read_bytes() == before
    store = open_store(station_batch.db, station_batch.key_file)
    assert store.decision_count() == 1 and not store.blacklist_entries()  # type: ignore[union-attr]
    store.close()  # type: ignore[union-attr]


def test_clerks_see_the_id_number_drawn_flat_in_every_picture(station_batch: StationBatch, tmp_path: Path) -> None:
    import io

    from PIL import Image

    add_user(station_batch, "zhao", "clerk")
    add_user(station_batch, "wang", "reviewer")
    dossier = station_batch.dossier_with("integrity_review")
    src = station_batch.results()[dossier]["fields"]["id_number"]["source"]
    assert src.get("bbox"), "the ID number was read without a region"
    query = f"file={src['file']}&page={src['page']}&bbox={','.join(str(v) for v in src['bbox'])}"
    base = f"/b/{_batch_id(station_batch)}/d/{dossier}"

    def inside(client: TestClient, kind: str) -> set:
        """The grey values inside the ID number's box (2 pixels in from its edges)."""
        resp = client.get(f"{base}/{kind}?{query}")
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(resp.content)).convert("L")
        x0, y0, x1, y1 = src["bbox"]
        if kind == "crop":  # the region with an 18 pt margin on every side (not at a page edge)
            s = image.width / (x1 - x0 + 36)
            box = (18 * s, 18 * s, (18 + x1 - x0) * s, (18 + y1 - y0) * s)
        else:  # the whole A4 page (the test batch's size)
            s = image.width / 595.0
            box = (x0 * s, y0 * s, x1 * s, y1 * s)
        left, top, right, bottom = (round(v) for v in box)
        return {image.getpixel((x, y)) for x in range(left + 2, right - 2) for y in range(top + 2, bottom - 2)}

    clerk = _client(station_batch, tmp_path / "c")
    _login(clerk, "zhao")
    reviewer = _client(station_batch, tmp_path / "r")
    _login(reviewer, "wang")
    for kind in ("crop", "page"):
        assert len(inside(clerk, kind)) == 1, kind  # drawn flat: nothing of the number shows
        assert len(inside(reviewer, kind)) > 1, kind  # a reviewer reads its ink
