"""The pages behind the acknowledge link in a notification: what it is about, and a
button to acknowledge or decline. No bearer token: the signed token is the link."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from contracts.tokens import AckClaim
from intake.domain.errors import AlreadyAcknowledgedError, InvalidLinkError
from intake.entrypoints import pages
from intake.entrypoints.common import Api
from intake.entrypoints.schemas import AckToken
from intake.service.ports import PublishFailedError
from weerbaar_runtime.auth import Security
from weerbaar_runtime.http import ProblemError

NO_STORE = {"Cache-Control": "no-store"}

HTML_PAGES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
    for code, text in (
        (403, "The link is invalid or expired"),
        (409, "The assignment was escalated to someone else since, or already acknowledged"),
        (503, "Not stored; try again"),
    )
}


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def build_router(api: Api, security: Security) -> APIRouter:
    del security  # the link's own token is the credential
    router = APIRouter(tags=["acknowledge link"])
    casework = api.casework

    def claim_or_none(token: str) -> AckClaim | None:
        try:
            return casework.claim(token)
        except InvalidLinkError:
            return None

    @router.get("/v1/ack/{token}", response_class=HTMLResponse, responses=HTML_PAGES)
    async def acknowledge_page(token: AckToken) -> HTMLResponse:
        """The page behind the link in a notification: what it is about, and one button."""
        claim = claim_or_none(token)
        if claim is None:
            return _page(pages.invalid_link(), 403)
        try:
            state = await casework.link_state(claim=claim)
        except PublishFailedError:
            return _page(pages.failed(503), 503)
        if state == "closed":
            return _page(pages.closed(claim.incident_id))
        if state == "acknowledged":
            return _page(pages.acknowledged(claim.incident_id, earlier=True))
        if state == "superseded":
            return _page(pages.superseded())
        return _page(pages.confirm(claim.incident_id, token))

    @router.post("/v1/ack/{token}", response_class=HTMLResponse, responses=HTML_PAGES)
    async def acknowledge_by_link(token: AckToken) -> HTMLResponse:
        """Acknowledge through the link's button (a form post without fields)."""
        claim = claim_or_none(token)
        if claim is None:
            return _page(pages.invalid_link(), 403)
        try:
            await api.problems.run(
                "acknowledge", casework.acknowledge_by_link(claim=claim, token=token)
            )
        except ProblemError as problem:
            html = pages.superseded() if problem.status == 409 else pages.failed(problem.status)
            return _page(html, problem.status)
        return _page(pages.acknowledged(claim.incident_id))

    @router.post("/v1/ack/{token}/decline", response_class=HTMLResponse, responses=HTML_PAGES)
    async def decline_by_link(token: AckToken) -> HTMLResponse:
        """Decline through the page's second button: the next adviser is paged at once."""
        claim = claim_or_none(token)
        if claim is None:
            return _page(pages.invalid_link(), 403)
        try:
            await api.problems.run("decline", casework.decline_by_link(claim=claim))
        except ProblemError as problem:
            html = pages.failed(problem.status)
            if problem.status == 409:
                taken = isinstance(problem.__cause__, AlreadyAcknowledgedError)
                html = pages.already_acknowledged() if taken else pages.superseded()
            return _page(html, problem.status)
        return _page(pages.declined(claim.incident_id))

    return router
