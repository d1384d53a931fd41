"""The station in a real browser: Debian's chromium, headless, driven by Playwright's Python
package (never a downloaded browser), against uvicorn serving the app in this process on a free
port. The batch is real (tests/station_support.py). Screenshots of every step are kept under the
test's tmp_path, so a failing test leaves them there to look at."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.station_support import PASSWORD, StationBatch, add_user, station_batch  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed: apt-get install chromium"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Station:
    def __init__(self, batch: StationBatch, url: str, shots: Path) -> None:
        self.batch = batch
        self.url = url
        self.shots = shots
        self.batch_id = json.loads((batch.out / "batch.json").read_text(encoding="utf-8"))["batch_id"]
        self._n = 0

    def dossier_url(self, dossier_id: str) -> str:
        return f"{self.url}/b/{self.batch_id}/d/{dossier_id}"

    def shot(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        self._n += 1
        page.screenshot(path=str(self.shots / f"{self._n:02d}-{name}.png"), full_page=True)


@pytest.fixture
def station(station_batch: StationBatch, tmp_path: Path) -> Iterator[Station]:  # noqa: F811
    import uvicorn

    from dossierflow.station.app import create_app
    from dossierflow.station.images import PageImages

    app = create_app([station_batch.out], station_batch.db, str(station_batch.key_file), images=PageImages(tmp_path / "images"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Station(station_batch, f"http://127.0.0.1:{port}", shots)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # chromium refuses its sandbox as root
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield b
        finally:
            b.close()


def _log_in(station: Station, browser, name: str):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(station.url + "/")
    assert page.url.startswith(station.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(station.url + "/")
    assert name in page.inner_text("#whoami")
    return page


def _images_loaded(page) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("load")
    return page.eval_on_selector_all("img.crop", "els => els.map(e => [e.getAttribute('src'), e.complete ? e.naturalWidth : 0])")


def test_anonymous_browser_gets_the_login_page_everywhere(station: Station, browser) -> None:  # type: ignore[no-untyped-def]
    line = station.batch.results()[station.batch.dossier_with("needs_review")]
    src = next(s for f in line["findings"] for s in f.get("sources", []) if s.get("bbox"))
    query = f"file={src['file']}&page={src['page']}&bbox={','.join(str(v) for v in src['bbox'])}"
    page = browser.new_page()
    for path in ["/", "/log", "/users", f"/b/{station.batch_id}/d/{line['dossier_id']}",
                 f"/b/{station.batch_id}/d/{line['dossier_id']}/crop?{query}", f"/b/{station.batch_id}/d/{line['dossier_id']}/page?{query}"]:
        page.goto(station.url + path)
        assert page.url.startswith(station.url + "/login"), path
        assert page.is_visible("input[name=username]") and page.is_visible("input[name=password]")
    station.shot(page, "anonymous")


def test_clerk_reads_masked_and_cannot_decide(station: Station, browser) -> None:  # type: ignore[no-untyped-def]
    add_user(station.batch, "zhao", "clerk")
    flagged = station.batch.dossier_with("integrity_review")
    full_id = station.batch.results()[flagged]["fields"]["id_number"]["value"]
    page = _log_in(station, browser, "zhao")
    page.goto(station.dossier_url(flagged))
    station.shot(page, "clerk-dossier")
    body = page.inner_text("body")
    assert full_id not in body and f"{full_id[:6]}********{full_id[-4:]}" in body
    assert page.locator("form.lead-form").count() == 0 and page.locator("form.correct-form").count() == 0
    # Even a form built by hand with the clerk's own CSRF token is refused.
    lead_id = page.inner_text("#leads td .muted").split("·")[-1].strip()
    status, text = page.evaluate(
        """async ([url, lead]) => {
            const csrf = document.querySelector('input[name=csrf]').value;
            const body = new URLSearchParams({csrf, lead_id: lead, decision: 'dismiss', reason: '试图排除', version: 'x'});
            const r = await fetch(url + '/lead', {method: 'POST', body});
            return [r.status, await r.text()];
        }""",
        [station.dossier_url(flagged), lead_id],
    )
    assert status == 403 and "不能作出决定" in text
    page.reload()
    assert "待复核" in page.inner_text("#leads")


def test_forged_form_without_csrf_token_is_refused(station: Station, browser) -> None:  # type: ignore[no-untyped-def]
    add_user(station.batch, "wang", "reviewer")
    flagged = station.batch.dossier_with("integrity_review")
    page = _log_in(station, browser, "wang")
    page.goto(station.dossier_url(flagged))
    # The lead form as the page has it, minus its CSRF token, submitted by the browser.
    page.evaluate("""() => {
        const form = document.querySelector('form.lead-form');
        form.querySelector('input[name=csrf]').remove();
        form.querySelector('input[value=dismiss]').checked = true;
        form.querySelector('input[name=reason]').value = '伪造的表单';
        form.submit();
    }""")
    page.wait_for_load_state("load")
    station.shot(page, "forged")
    assert "安全令牌" in page.inner_text("#error")
    page.goto(station.dossier_url(flagged))
    assert "待复核" in page.inner_text("#leads")


def test_reviewer_dismisses_a_lead_and_sees_it_recorded(station: Station, browser) -> None:  # type: ignore[no-untyped-def]
    add_user(station.batch, "wang", "reviewer")
    flagged = station.batch.dossier_with("integrity_review")
    page = _log_in(station, browser, "wang")
    page.click(f"a[href$='/d/{flagged}']")
    page.wait_for_url(station.dossier_url(flagged))
    form = page.locator("form.lead-form").first
    form.locator("input[value=dismiss]").check()
    form.locator("input[name=reason]").fill("校验码系录入笔误，已核对身份证原件")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    station.shot(page, "lead-dismissed")
    assert "已排除线索" in page.inner_text(".flash")
    assert "已排除" in page.inner_text("#leads") and "wang" in page.inner_text("#leads")
    page.goto(station.url + "/log")
    assert "排除线索" in page.inner_text("body") and "日志完整" in page.inner_text("#log-state")
    page.click("#logout")
    page.wait_for_url(station.url + "/login")
    page.goto(station.dossier_url(flagged))
    assert page.url.startswith(station.url + "/login")


def test_reviewer_resolves_a_needs_review_dossier_in_the_browser(station: Station, browser) -> None:  # type: ignore[no-untyped-def]
    add_user(station.batch, "wang", "reviewer")
    dossier = next(d for d, line in sorted(station.batch.results().items())
                   if any(f["rule"] == "EVALUATION_CHANNEL" and f["outcome"] == "review" for f in line["findings"]))
    page = _log_in(station, browser, "wang")
    station.shot(page, "queue")
    page.click(f"a[href$='/d/{dossier}']")
    page.wait_for_url(station.dossier_url(dossier))
    assert page.inner_text("#status") == "待人工审核"
    assert "EVALUATION_CHANNEL" in page.inner_text("#reasons")
    loaded = _images_loaded(page)
    assert loaded and all(width > 0 for _, width in loaded), loaded  # every crop arrived as a picture
    station.shot(page, "needs-review")
    # Each verdict word stays on one line beside the wide evidence column (需人工审核 once broke
    # one character a line): the text of every 结论 cell lays out as a single line box.
    lines = page.eval_on_selector_all(
        "#findings td.outcome, #findings th.outcome",
        "els => els.map(e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return [e.innerText, new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top))).size]; })",
    )
    assert any(text == "需人工审核" for text, _ in lines) and all(n == 1 for _, n in lines), lines
    # The whole page, region marked, a click away.
    with page.context.expect_page() as opened:
        page.locator("tr.finding[data-rule=EVALUATION_CHANNEL] img.crop").first.click()
    whole = opened.value
    whole.wait_for_load_state("load")
    assert whole.evaluate("() => document.images.length === 1 && document.images[0].naturalWidth > 0")
    whole.close()

    row = page.locator("tr.field[data-field=region]")
    row.locator("input[name=value]").fill("固阳县")
    row.locator("input[name=reason]").fill("单位实属固阳县，已核对营业执照")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    station.shot(page, "corrected")
    assert "待人工审核 → 通过" in page.inner_text(".flash")
    assert page.inner_text("#status") == "通过"
    assert page.inner_text("tr.field[data-field=region] td.value") == "固阳县"
    assert station.batch.results()[dossier]["status"] == "accepted"
    page.click("#logout")
    page.wait_for_url(station.url + "/login")
    station.shot(page, "logged-out")
