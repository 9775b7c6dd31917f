"""Headers every response carries, and the CSRF check of every state-changing request."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from console.domain.session import Session


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """Scripts and styles only from the console itself; no inline script, no framing.
    `form_targets`: origins a form may lead to (the identity provider's, for sign-in)."""
    form_action = " ".join(("'self'", *form_targets))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; manifest-src 'self'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )


class SecurityHeadersMiddleware:
    """CSP, no framing, no sniffing, no referrer; `no-store` on every page (they show
    cases); static files may be cached but are revalidated."""

    def __init__(self, app: Any, *, csp: str, https: bool) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers} | {b"cache-control"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers.extend(self.headers)
                headers.append((b"cache-control", b"no-cache" if static else b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def same_origin(request: Request, public_url: str) -> bool:
    """A state-changing request must come from the console's own pages: Origin (or, when
    a browser sends none, Sec-Fetch-Site) must say so."""
    origin = request.headers.get("origin")
    if origin is not None:
        expected = urlsplit(public_url)
        own = f"{expected.scheme}://{expected.netloc}"
        return origin == own or origin == f"{request.url.scheme}://{request.url.netloc}"
    site = request.headers.get("sec-fetch-site")
    return site in (None, "same-origin", "none")


def csrf_ok(session: Session, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(session.csrf_token, supplied or "")
