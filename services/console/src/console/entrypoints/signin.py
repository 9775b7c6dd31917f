"""Sign-in and sign-out pages."""

from __future__ import annotations

import hmac
import time

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.session import new_secret, safe_return_path
from console.entrypoints.web import SESSION_COOKIE, SIGN_IN_COOKIE, Console, read_form
from console.service import auth
from console.service.ports import SessionStoreUnavailableError, SignInFailedError
from weerbaar_runtime.logging import get_logger

OIDC_COOKIE = "weerbaar_oidc"
_log = get_logger("console.signin")


def install(app: FastAPI, console: Console) -> None:
    settings = console.settings

    def sign_in_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
        token = request.cookies.get(SIGN_IN_COOKIE) or new_secret()
        response = console.page(
            request,
            None,
            "signin.html",
            status_code=status,
            users=auth.DEVELOPMENT_USERS,
            development=settings.sign_in == "development",
            sign_in_token=token,
            return_to=safe_return_path(request.query_params.get("terug")),
            error=error,
        )
        response.set_cookie(
            SIGN_IN_COOKIE,
            token,
            httponly=True,
            secure=True,
            samesite="lax",
            path="/",
            max_age=600,
        )
        return response

    @app.get("/aanmelden", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        return sign_in_page(request)

    @app.post("/aanmelden", response_class=HTMLResponse)
    async def sign_in_post(request: Request) -> Response:
        form = await read_form(request)
        cookie = request.cookies.get(SIGN_IN_COOKIE, "")
        supplied = next(iter(form.get("sign_in_token", [])), "")
        if not cookie or not hmac.compare_digest(cookie, supplied):
            return sign_in_page(
                request,
                error="Het aanmeldformulier was verlopen. Probeer het opnieuw.",
                status=403,
            )
        return_to = safe_return_path(next(iter(form.get("return_to", [])), "/"))
        try:
            if settings.sign_in == "oidc":
                assert console.oidc is not None
                state, url = await auth.begin_oidc(
                    store=console.store, oidc=console.oidc, return_to=return_to, now=time.time()
                )
                response: Response = RedirectResponse(url, status_code=303)
                # Lax: it must come back with the provider's top-level redirect
                response.set_cookie(
                    OIDC_COOKIE,
                    state,
                    httponly=True,
                    secure=True,
                    samesite="lax",
                    path="/aanmelden",
                    max_age=600,
                )
                return response
            session_id, _ = await auth.sign_in_development(
                store=console.store,
                authenticator=console.authenticator,
                subject=next(iter(form.get("user", [])), ""),
                signing_key=console.auth_settings.signing_key.get_secret_value(),
                issuer=console.auth_settings.issuer,
                audience=console.auth_settings.audience,
                ttl_s=settings.session_absolute_s,
                now=time.time(),
            )
        except SignInFailedError:
            return sign_in_page(request, error="Kies een gebruiker uit de lijst.", status=422)
        except SessionStoreUnavailableError:
            return sign_in_page(
                request,
                error="Aanmelden lukt nu niet: de console kan zijn sessies niet "
                "bewaren. Probeer het over een minuut opnieuw.",
                status=503,
            )
        except Exception:
            return sign_in_page(
                request, error="De aanmeldvoorziening is nu niet bereikbaar.", status=503
            )
        response = RedirectResponse(return_to, status_code=303)
        console.set_session_cookie(response, session_id)
        response.delete_cookie(SIGN_IN_COOKIE, path="/")
        return response

    @app.get("/aanmelden/terug", response_class=HTMLResponse)
    async def oidc_callback(request: Request) -> Response:
        if settings.sign_in != "oidc" or console.oidc is None:
            return RedirectResponse("/aanmelden", status_code=303)
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        try:
            session_id, _, return_to = await auth.complete_oidc(
                store=console.store,
                oidc=console.oidc,
                authenticator=console.authenticator,
                cookie_state=request.cookies.get(OIDC_COOKIE),
                state=state,
                code=code,
                now=time.time(),
            )
        except SignInFailedError:
            return sign_in_page(
                request, error="Aanmelden is niet gelukt. Probeer het opnieuw.", status=403
            )
        except SessionStoreUnavailableError:
            return sign_in_page(
                request, error="Aanmelden lukt nu niet. Probeer het zo opnieuw.", status=503
            )
        # A page of our own, not a redirect: the Strict session cookie is then sent with
        # the next request, which a redirect chain that began at the provider would not do.
        response = console.page(request, None, "continue.html", return_to=return_to)
        console.set_session_cookie(response, session_id)
        response.delete_cookie(OIDC_COOKIE, path="/aanmelden")
        response.delete_cookie(SIGN_IN_COOKIE, path="/")
        return response

    @app.post("/afmelden")
    async def sign_out(request: Request) -> Response:
        session = await console.session(request)
        if session is not None:
            await console.checked_form(request, session)
        ended = await auth.sign_out(
            store=console.store, session_id=request.cookies.get(SESSION_COOKIE)
        )
        target = "/afgemeld"
        if ended is not None and console.oidc is not None:
            await console.oidc.revoke(ended.access_token)
            provider = await console.oidc.end_session_url(
                id_token=ended.id_token, return_to=f"{settings.public_url}/afgemeld"
            )
            target = provider or target
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
        )
        return response

    @app.get("/afgemeld", response_class=HTMLResponse)
    async def signed_out(request: Request) -> Response:
        return console.page(request, None, "signed_out.html")
