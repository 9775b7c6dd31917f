"""What every route shares: the composed parts, rendering, the session of a request,
and reading and checking forms."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from jinja2_fragments import render_block

from console.adapters.apis import CapabilityProbe, Intake, Notify, Registry, Routing
from console.adapters.changes import ChangeHub
from console.adapters.oidc import OidcClient
from console.domain.session import Session
from console.entrypoints.security import csrf_ok, same_origin
from console.service import auth
from console.service.ports import SessionStore
from console.settings import ConsoleSettings
from weerbaar_runtime.auth import Authenticator, AuthSettings

SESSION_COOKIE = "weerbaar_session"
SIGN_IN_COOKIE = "weerbaar_sign_in"


class SignInNeededError(Exception):
    """No live session: go to the sign-in page (and come back afterwards)."""

    def __init__(self, return_to: str) -> None:
        super().__init__(return_to)
        self.return_to = return_to


class RefusedError(Exception):
    """A request the console refuses itself (CSRF, wrong origin, wrong role)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NoAccessError(RefusedError):
    """A signed-in user whose role this page is not for: "geen toegang"."""

    def __init__(self) -> None:
        super().__init__(403, "Deze pagina is er niet voor uw rol.")


@dataclass
class Console:
    """The composed parts (built once in bootstrap)."""

    settings: ConsoleSettings
    auth_settings: AuthSettings
    authenticator: Authenticator
    store: SessionStore
    intake: Intake
    registry: Registry
    routing: Routing
    notify: Notify
    probe: CapabilityProbe
    hub: ChangeHub
    templates: Environment
    oidc: OidcClient | None = None
    translate: Callable[[str, str], str] = field(default=lambda text, _language: text)

    @property
    def https(self) -> bool:
        return self.settings.public_url.startswith("https://")

    def context(self, request: Request, session: Session | None, **values: Any) -> dict[str, Any]:
        language = session.language if session else "nl"
        return {
            "request": request,
            "session": session,
            "user": session.user if session else None,
            "language": language,
            "_": lambda text: self.translate(text, language),
            "csrf": session.csrf_token if session else "",
            "shortcuts": session.shortcuts if session else True,
            "last_event_id": getattr(request.state, "live_since", None) or self.hub.last_id,
            "now": datetime.now(UTC),
            "path": request.url.path,
            **values,
        }

    def page(
        self,
        request: Request,
        session: Session | None,
        template: str,
        *,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        html = self.templates.get_template(template).render(
            self.context(request, session, **values)
        )
        return HTMLResponse(html, status_code=status_code)

    def block(
        self, request: Request, session: Session | None, template: str, block: str, **values: Any
    ) -> HTMLResponse:
        html = render_block(
            self.templates, template, block, self.context(request, session, **values)
        )
        return HTMLResponse(html)

    def set_session_cookie(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            SESSION_COOKIE, session_id, httponly=True, secure=True, samesite="strict", path="/"
        )

    async def session(self, request: Request) -> Session | None:
        return await auth.current(
            store=self.store,
            session_id=request.cookies.get(SESSION_COOKIE),
            now=time.time(),
            idle_s=self.settings.session_idle_s,
            absolute_s=self.settings.session_absolute_s,
        )

    async def require(self, request: Request, *, roles: tuple[str, ...] = ()) -> Session:
        """The live session, or off to sign in; a role not in `roles` is refused. The
        change feed's position is taken now, before the page reads any record, so a
        change that lands while the page is made reaches the browser's stream."""
        request.state.live_since = self.hub.last_id
        session = await self.session(request)
        if session is None:
            path = request.url.path
            raise SignInNeededError(path if request.method == "GET" else "/")
        if roles and session.user.role not in roles:
            raise NoAccessError()
        return session

    async def checked_form(self, request: Request, session: Session) -> dict[str, list[str]]:
        """The posted form, once its CSRF token and origin check out."""
        form = await read_form(request)
        supplied = request.headers.get("x-csrf-token") or next(iter(form.get("csrf", [])), None)
        if not same_origin(request, self.settings.public_url) or not csrf_ok(session, supplied):
            raise RefusedError(403, "Dit formulier is verlopen of kwam niet van deze console.")
        return form


async def read_form(request: Request) -> dict[str, list[str]]:
    form = await request.form(max_files=0, max_fields=200, max_part_size=64 * 1024)
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


def sign_in_redirect(request: Request, return_to: str) -> Response:
    target = f"/aanmelden?terug={quote(return_to, safe='/')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
