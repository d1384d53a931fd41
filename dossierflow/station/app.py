"""The station's ASGI application (Starlette): login, the queue, the dossier view, the evidence
images and the decision forms. Every route but /login asks for a session; every POST checks the
session's CSRF token; each decision is checked against the role and against the version of the
dossier the form was drawn from, and bad input changes nothing."""

from __future__ import annotations

import logging
import urllib.parse
from pathlib import Path
from typing import Awaitable, Callable, Optional

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dossierflow.config import default_data_dir
from dossierflow.display import locator_text, shown_value
from dossierflow.errors import DossierflowError, UsageError
from dossierflow.id_regions import IdRegions, ReadingsMissing, covers
from dossierflow.labels import FIELD_LABELS, FLAG_LABELS, KIND_LABELS, OUTCOME_LABELS, STATUS_LABELS
from dossierflow.privacy import mask_id, mask_ids_in_text
from dossierflow.station import decide
from dossierflow.station.auth import (
    SESSION_COOKIE,
    LoginLimiter,
    Session,
    Sessions,
    csrf_ok,
    load_session_secret,
    session_secret_file,
)
from dossierflow.station.images import ImageUnavailable, PageImages
from dossierflow.station.records import BatchRecord, Records, line_version
from dossierflow.station.users import ROLE_LABELS, User, Users
from dossierflow.storage import Store, open_store
from dossierflow.storage.tables import DossierRow, FlagRow
from dossierflow.vocab import DERIVED_FIELDS

log = logging.getLogger("dossierflow.station")
LOGIN_CSRF_COOKIE = "dossier_login_csrf"
LEAD_STATUS = {"open": "待复核", "confirmed": "已确认", "dismissed": "已排除"}


class Station:
    """What every request needs: the records, the database, the users, the sessions."""

    def __init__(self, records: Records, store: Store, sessions: Sessions, images: PageImages, rulebook: object) -> None:
        self.records = records
        self.store = store
        self.users = Users(store.engine)
        self.sessions = sessions
        self.limiter = LoginLimiter()
        self.images = images
        self.id_regions = IdRegions()
        self.rulebook = rulebook
        self.rule_names = {code: spec.name for code, spec in rulebook.rules.items()}
        self.threshold = float(rulebook.confidence_threshold)
        self.env = Environment(loader=PackageLoader("dossierflow.station", "templates"), autoescape=select_autoescape(["html", "j2"]))
        self.env.filters["locator"] = locator_text
        self.env.globals.update(
            status_labels=STATUS_LABELS, outcome_labels=OUTCOME_LABELS, field_labels=FIELD_LABELS, kind_labels=KIND_LABELS,
            flag_labels=FLAG_LABELS, rule_names=self.rule_names, role_labels=ROLE_LABELS, lead_status=LEAD_STATUS,
        )

    def render(self, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code, headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "no-store"}
_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}


# --------------------------------------------------------------------------------------------
# Sessions and roles
# --------------------------------------------------------------------------------------------

Handler = Callable[[Request, Station, Session, User], Awaitable[Response]]


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + urllib.parse.quote(target, safe=""), status_code=303)


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A route that needs a live session of an enabled user; a POST also needs its CSRF token."""

    async def endpoint(request: Request) -> Response:
        station: Station = request.app.state.station
        session = station.sessions.get(request.cookies.get(SESSION_COOKIE))
        user = station.users.get(session.user) if session is not None else None
        if session is None or user is None or user.disabled:
            if request.method == "POST":
                return HTMLResponse("未登录或会话已过期，请重新登录", status_code=403)
            return _login_redirect(request)
        if request.method == "POST":
            form = await request.form()
            if not csrf_ok(session, form.get("csrf")):
                log.warning("refused a form without a valid CSRF token from %s (user %r) at %s",
                            _client(request), user.name, request.url.path)
                return station.render("message.html.j2", 403, user=user, csrf=session.csrf, title="表单已被拒绝",
                                      message="表单缺少有效的安全令牌（CSRF），未作任何更改。请回到页面重新提交。")
        return await handler(request, station, session, user)

    return endpoint


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


# --------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------


def _safe_next(target: Optional[str]) -> str:
    # Only a path on this station: never an address elsewhere (an open redirect).
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login_page(request: Request) -> Response:
    station: Station = request.app.state.station
    return _login_form(request, station, None, 200)


def _login_form(request: Request, station: Station, error: Optional[str], status: int) -> Response:
    import secrets

    # One token per browser until it logs in: a second tab, or the browser's own request for
    # /favicon.ico landing here, must not invalidate the form already on screen.
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(24)
    resp = station.render("login.html.j2", status, error=error, csrf=token, next=_safe_next(request.query_params.get("next")))
    _set_cookie(request, resp, LOGIN_CSRF_COOKIE, token)
    return resp


def _set_cookie(request: Request, resp: Response, name: str, value: str) -> None:
    resp.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")


async def login_submit(request: Request) -> Response:
    import hmac

    station: Station = request.app.state.station
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    sent = str(form.get("csrf") or "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        log.warning("refused a login form without a valid CSRF token from %s", _client(request))
        return _login_form(request, station, "登录表单已过期或缺少安全令牌，请重新登录", 403)
    client = _client(request)
    wait = station.limiter.wait_seconds(username, client)
    if wait:
        log.warning("station login refused (too many failures) for user %r from %s", username, client)
        return _login_form(request, station, f"登录失败次数过多，请 {max(1, (wait + 59) // 60)} 分钟后再试", 429)
    user = station.users.authenticate(username, password)
    if user is None:
        station.limiter.failed(username, client)
        return _login_form(request, station, "用户名或密码错误，或该用户已停用", 401)
    station.limiter.succeeded(username)
    log.info("station login: %r (%s) from %s", user.name, user.role, client)
    resp = RedirectResponse(_safe_next(str(form.get("next") or "/")), status_code=303)
    _set_cookie(request, resp, SESSION_COOKIE, station.sessions.start(user.name))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return resp


@page
async def logout(request: Request, station: Station, session: Session, user: User) -> Response:
    station.sessions.end(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def _shown_id(user: User, value: object) -> str:
    text = "" if value is None else str(value)
    return text if user.sees_full_id else mask_id(text)


def _masked_text(user: User, text: object) -> str:
    text = "" if text is None else str(text)
    return text if user.sees_full_id else mask_ids_in_text(text)


def _row(user: User, line: dict) -> dict:
    f = line.get("fields", {})
    return {
        "dossier_id": line["dossier_id"],
        "name": (f.get("name") or {}).get("value") or "",
        "id": _shown_id(user, (f.get("id_number") or {}).get("value")),
        "applied_title": (f.get("applied_title") or {}).get("value") or "",
        "status": line["status"],
        "reviews": sum(1 for x in line.get("findings", []) if x["outcome"] == "review"),
        "fails": sum(1 for x in line.get("findings", []) if x["outcome"] == "fail"),
        "flags": [x["code"] for x in line.get("flags", [])],
    }


@page
async def queue(request: Request, station: Station, session: Session, user: User) -> Response:
    batches = []
    for rec in station.records.batches():
        groups = [(status, [_row(user, line) for line in lines]) for status, lines in rec.queue()]
        batches.append({"id": rec.batch_id, "unit": rec.summary.get("unit") or "", "total": len(rec.lines), "groups": groups})
    return station.render("queue.html.j2", user=user, csrf=session.csrf, batches=batches, flash=_take_flash(session))


def _find(station: Station, batch_id: str, dossier_id: str) -> tuple[Optional[BatchRecord], Optional[dict]]:
    rec = station.records.batch(batch_id)
    if rec is None:
        return None, None
    return rec, rec.lines.get(dossier_id)


def _not_found(station: Station, session: Session, user: User, batch_id: str, dossier_id: str) -> Response:
    return station.render("message.html.j2", 404, user=user, csrf=session.csrf, title="找不到档案",
                          message=f"批次 {batch_id} 中没有档案 {dossier_id}（或本工作台未打开该批次），未作任何更改。")


def _leads_of(station: Station, batch_id: str, dossier_id: str) -> list:
    """This dossier's leads with their decisions: a query on the dossier, never the batch."""
    stmt = (
        select(FlagRow.lead_id)
        .join(DossierRow, FlagRow.dossier_pk == DossierRow.id)
        .where(DossierRow.batch_id == batch_id, DossierRow.dossier_id == dossier_id)
        .order_by(FlagRow.id)
    )
    with DbSession(station.store.engine) as db:
        lead_ids = list(db.scalars(stmt))
    return [lead for lead in (station.store.lead(i) for i in lead_ids) if lead is not None]


def _source_view(rec: BatchRecord, dossier_id: str, src: Optional[dict]) -> Optional[dict]:
    """A source as the page shows it: its place in Chinese (a Word cell by table, row and cell)
    and, for a page region, the URLs of its crop and of the whole page with the region marked."""
    if not src or not src.get("file"):
        return None
    where = [src["file"]]
    if src.get("page"):
        where.append(f"第{src['page']}页")
    if src.get("locator"):
        where.append(locator_text(src["locator"]))
    view = {"where": " ".join(where), "crop": None, "page": None}
    if src.get("bbox"):
        query = {"file": src["file"], "bbox": ",".join(f"{float(v):.2f}" for v in src["bbox"])}
        if src.get("page"):
            query["page"] = str(src["page"])
        base = f"/b/{urllib.parse.quote(rec.batch_id, safe='')}/d/{urllib.parse.quote(dossier_id, safe='')}"
        qs = urllib.parse.urlencode(query)
        view["crop"] = f"{base}/crop?{qs}"
        view["page"] = f"{base}/page?{qs}"
    return view


def dossier_context(station: Station, rec: BatchRecord, line: dict, user: User) -> dict:
    dossier_id = line["dossier_id"]
    fields = []
    for key, fv in line.get("fields", {}).items():
        value = fv.get("value")
        shown = _shown_id(user, value) if key == "id_number" else _masked_text(user, shown_value(key, value))
        confidence = fv.get("confidence")
        fields.append({
            "key": key, "label": FIELD_LABELS.get(key, key), "shown": shown,
            "raw": "" if value is None else (_shown_id(user, value) if key == "id_number" else str(value)),
            "confidence": confidence, "unsure": confidence is not None and confidence < station.threshold,
            "source": _source_view(rec, dossier_id, fv.get("source")),
            "correctable": key not in DERIVED_FIELDS,  # corrected through the field they derive from
        })
    findings = []
    for f in line.get("findings", []):
        findings.append({
            **f, "title": station.rule_names.get(f["rule"], f["rule"]), "message": _masked_text(user, f.get("message")),
            "sources": [v for v in (_source_view(rec, dossier_id, s) for s in f.get("sources", [])) if v],
        })
    order = {"fail": 0, "review": 1, "pass": 2, "not_applicable": 3}
    findings.sort(key=lambda f: order.get(f["outcome"], 9))
    leads = []
    for lead in _leads_of(station, rec.batch_id, dossier_id):
        leads.append({
            "lead_id": lead.lead_id, "code": lead.code, "label": FLAG_LABELS.get(lead.code, lead.code),
            "message": _masked_text(user, lead.message), "status": lead.status, "decision": lead.decision,
            "related": lead.related,
            "sources": [v for v in (_source_view(rec, dossier_id, s) for s in lead.sources) if v],
        })
    return {
        "batch_id": rec.batch_id, "dossier_id": dossier_id, "line": line, "status": line["status"],
        "message": _masked_text(user, line.get("message")),
        "reasons": [f for f in findings if f["outcome"] in ("fail", "review")],
        "findings": findings, "fields": fields, "leads": leads,
        "version": line_version(line),
        "decisions": decide.decisions_of(station.store, rec.batch_id, dossier_id),
    }


def _take_flash(session: Session) -> list[str]:
    flashes, session.flash = session.flash, []
    return flashes


@page
async def dossier_page(request: Request, station: Station, session: Session, user: User) -> Response:
    batch_id, dossier_id = request.path_params["batch"], request.path_params["dossier"]
    rec, line = _find(station, batch_id, dossier_id)
    if rec is None or line is None:
        return _not_found(station, session, user, batch_id, dossier_id)
    return station.render("dossier.html.j2", user=user, csrf=session.csrf, flash=_take_flash(session),
                          error=None, **dossier_context(station, rec, line, user))


# --------------------------------------------------------------------------------------------
# Evidence images
# --------------------------------------------------------------------------------------------


def _referenced(line: dict, file: str) -> bool:
    """Is `file` one this dossier's result points at? Only those are drawn."""
    def sources() -> list[dict]:
        out = [fv.get("source") or {} for fv in line.get("fields", {}).values()]
        out += [e.get("source") or {} for e in line.get("evidence", [])]
        out += [{"file": d.get("file")} for d in line.get("documents", [])]
        for f in line.get("findings", []) + line.get("flags", []):
            out += f.get("sources", [])
        return out

    return any(s.get("file") == file for s in sources())


def _private_boxes(station: Station, rec: BatchRecord, line: dict, file: str, page_no: Optional[int]) -> list[list[float]]:
    """The regions of this page drawn flat in every picture of it (the whole page and any crop
    that overlaps them) for someone who reads ID numbers masked: `id_regions.covers`, as the
    printed reports' crops; raises ReadingsMissing when the run's readings are gone."""
    return covers(line, station.id_regions.of(rec.out_dir, line["dossier_id"]), file, page_no)


def _image(kind: str) -> Handler:
    async def handler(request: Request, station: Station, session: Session, user: User) -> Response:
        batch_id, dossier_id = request.path_params["batch"], request.path_params["dossier"]
        rec, line = _find(station, batch_id, dossier_id)
        if rec is None or line is None:
            return _text("找不到档案", 404)
        q = request.query_params
        file = q.get("file") or ""
        try:
            page_no = int(q["page"]) if q.get("page") else None
            bbox = [float(v) for v in (q.get("bbox") or "").split(",")]
        except ValueError:
            return _text("页码或区域无效", 400)
        if (page_no is not None and page_no < 1) or len(bbox) != 4 or not _referenced(line, file):
            return _text("该档案没有这一材料", 404)
        if rec.batch_root is None:
            return _text("找不到批次的原始材料（batch.json 没有记下批次文件夹）", 404)
        try:
            covers = [] if user.sees_full_id else _private_boxes(station, rec, line, file, page_no)
            data = station.images.png(kind, rec.batch_root, {"file": file, "page": page_no, "bbox": bbox}, covers)
        except (ImageUnavailable, ReadingsMissing) as exc:
            return _text(str(exc), 404)
        return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    return handler


def _text(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


# --------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------


def _decision_handler(action: str) -> Handler:
    async def handler(request: Request, station: Station, session: Session, user: User) -> Response:
        batch_id, dossier_id = request.path_params["batch"], request.path_params["dossier"]
        rec, line = _find(station, batch_id, dossier_id)
        if rec is None or line is None:
            return _not_found(station, session, user, batch_id, dossier_id)
        if not user.decides:
            log.warning("refused a decision by %r (%s) on %s/%s", user.name, user.role, batch_id, dossier_id)
            return station.render("message.html.j2", 403, user=user, csrf=session.csrf, title="无权决定",
                                  message=f"{ROLE_LABELS[user.role]}只能查看，不能作出决定；未作任何更改。")
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            if form.get("version") != line_version(line):
                raise UsageError("页面已过期：档案在您打开此页面之后已有变化（或表单被重复提交），未作任何更改；请查看最新内容后再决定")
            message = decide.apply(action, station.store, rec, line, form, user.name)
        except DossierflowError as exc:
            log.info("decision refused for %s/%s by %r: %s", batch_id, dossier_id, user.name, exc)
            fresh_rec, fresh_line = _find(station, batch_id, dossier_id)
            return station.render("dossier.html.j2", 400 if isinstance(exc, UsageError) else 500, user=user, csrf=session.csrf,
                                  flash=[], error=str(exc), **dossier_context(station, fresh_rec or rec, fresh_line or line, user))
        fresh_line = _find(station, batch_id, dossier_id)[1] or line
        session.flash = [f"{message}；{decide.new_status_note(line['status'], fresh_line['status'], STATUS_LABELS)}"]
        base = f"/b/{urllib.parse.quote(batch_id, safe='')}/d/{urllib.parse.quote(dossier_id, safe='')}"
        return RedirectResponse(base, status_code=303)

    return handler


# --------------------------------------------------------------------------------------------
# The log (auditors) and users (admins)
# --------------------------------------------------------------------------------------------


@page
async def log_page(request: Request, station: Station, session: Session, user: User) -> Response:
    if not (user.reads_log or user.decides):
        return station.render("message.html.j2", 403, user=user, csrf=session.csrf, title="无权查看", message="决定日志仅供复核人员和审计人员查看。")
    problem, head = station.store.verify_log()
    entries = decide.log_entries(station.store, [rec.batch_id for rec in station.records.batches()])
    return station.render("log.html.j2", user=user, csrf=session.csrf, entries=entries, problem=problem, head=head)


@page
async def users_page(request: Request, station: Station, session: Session, user: User) -> Response:
    if not user.manages_users:
        return station.render("message.html.j2", 403, user=user, csrf=session.csrf, title="无权管理用户", message="只有管理员可以管理用户。")
    return station.render("users.html.j2", user=user, csrf=session.csrf, users=station.users.list(), flash=_take_flash(session), error=None)


@page
async def users_disable(request: Request, station: Station, session: Session, user: User) -> Response:
    if not user.manages_users:
        return station.render("message.html.j2", 403, user=user, csrf=session.csrf, title="无权管理用户", message="只有管理员可以管理用户；未作任何更改。")
    name = str((await request.form()).get("name") or "")
    try:
        station.users.disable(name)
    except UsageError as exc:
        return station.render("users.html.j2", 400, user=user, csrf=session.csrf, users=station.users.list(), flash=[], error=str(exc))
    station.sessions.end_for_user(name)
    log.info("station user %r disabled by %r", name, user.name)
    session.flash = [f"已停用用户 {name}"]
    return RedirectResponse("/users", status_code=303)


# --------------------------------------------------------------------------------------------


class SecurityHeaders:
    """Pure ASGI middleware: no framing, no sniffing, nothing loaded from elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in _SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(station: Station) -> Starlette:
    routes = [
        Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", queue, methods=["GET"]),
        Route("/log", log_page, methods=["GET"]),
        Route("/users", users_page, methods=["GET"]),
        Route("/users/disable", users_disable, methods=["POST"]),
        Route("/b/{batch}/d/{dossier}", dossier_page, methods=["GET"]),
        Route("/b/{batch}/d/{dossier}/crop", page(_image("crop")), methods=["GET"]),
        Route("/b/{batch}/d/{dossier}/page", page(_image("page")), methods=["GET"]),
        Route("/b/{batch}/d/{dossier}/correct", page(_decision_handler("correct")), methods=["POST"]),
        Route("/b/{batch}/d/{dossier}/settle", page(_decision_handler("settle")), methods=["POST"]),
        Route("/b/{batch}/d/{dossier}/lead", page(_decision_handler("lead")), methods=["POST"]),
    ]
    async def not_found(request: Request, exc: Exception) -> Response:
        # An unknown address tells a visitor without a session nothing but the way to log in.
        if station.sessions.get(request.cookies.get(SESSION_COOKIE)) is None:
            return _login_redirect(request)
        return HTMLResponse("页面不存在", status_code=404)

    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], exception_handlers={404: not_found})
    app.state.station = station
    return app


def create_app(out_dirs: list[Path], db_url: str, log_key_file: Optional[str] = None, *, rulebook: Optional[str] = None,
               images: Optional[PageImages] = None) -> Starlette:
    from dossierflow.config import load_settings
    from validators.rulebook import load_rulebook

    records = Records.open(list(out_dirs))
    store = open_store(db_url, log_key_file)
    assert store is not None
    secret = load_session_secret(session_secret_file(log_key_file))
    images = images or PageImages(default_data_dir() / "station-images")
    station = Station(records, store, Sessions(secret), images, load_rulebook(rulebook or load_settings().rulebook))
    return build_app(station)
