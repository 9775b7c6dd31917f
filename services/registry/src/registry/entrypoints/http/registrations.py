"""`GET /v1/registrations/{id}` and `GET /v1/registrations`: what organisations'
own systems posted."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from registry.adapters.sql_queries import Queries
from registry.domain.filters import RegistrationListQuery
from registry.entrypoints.http.cursor import decode_cursor, encode_cursor
from registry.entrypoints.http.presenters import registration
from registry.entrypoints.http.problems import check, not_found, out_of_bounds
from registry.entrypoints.http.schemas import RegistrationOut, RegistrationPage
from registry.service.access import (
    REGISTRATION_READERS,
    may_read_registration,
    organisation_scope,
)
from weerbaar_runtime.auth import Principal, Security
from weerbaar_runtime.http import problem_doc


def registrations_router(*, queries: Queries, security: Security) -> APIRouter:
    router = APIRouter()
    RegistrationReader = Annotated[
        Principal, Depends(security.allow(*REGISTRATION_READERS, what="read registrations"))
    ]

    @router.get(
        "/registrations/{registration_id}",
        response_model=RegistrationOut,
        tags=["registrations"],
        responses={404: problem_doc("No such registration, or not one of the caller's")},
    )
    async def get_registration(
        principal: RegistrationReader,
        registration_id: Annotated[uuid.UUID, Path(description="The registration id")],
    ) -> RegistrationOut:
        """One registration posted by a municipal, provincial or water-board system; a
        system reads only its own organisation's."""
        found = await queries.registration(registration_id)
        if found is None:
            raise not_found("registration", registration_id)
        if not may_read_registration(principal, found.organisation_code):
            raise out_of_bounds(principal, "registration", registration_id)
        return registration(found)

    @router.get("/registrations", response_model=RegistrationPage, tags=["registrations"])
    async def list_registrations(
        principal: RegistrationReader,
        query: Annotated[RegistrationListQuery, Query()],
    ) -> RegistrationPage:
        """Registrations posted by organisations' own systems, by received time, kept
        apart from the incidents (one that wanted contact is also an incident). A
        system gets only its own organisation's."""
        check(query)
        page = await queries.registrations(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=decode_cursor(query.cursor, query.sort),
            organisation=organisation_scope(principal),
        )
        return RegistrationPage(
            items=[registration(r) for r in page.items],
            next_cursor=encode_cursor(query.sort, page.next_after),
        )

    return router
