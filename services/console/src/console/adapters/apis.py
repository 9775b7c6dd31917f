"""HTTP gateways to the intake, registry, routing and notify APIs, always with the signed-in
user's own bearer token, so the APIs' authorisation and audit apply unchanged."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import httpx

from console.domain.cases import Capabilities
from console.domain.problems import ApiProblem
from console.service.ports import Params
from weerbaar_runtime.logging import get_logger

_log = get_logger("console.api")


class Api:
    """One API: JSON in and out; a refusal or an outage becomes an `ApiProblem`."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, name: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self.name = name

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        body: dict[str, Any] | None = None,
        params: Params = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = await self._client.request(
                method,
                f"{self._base}{path}",
                headers=headers,
                json=body,
                params=urlencode(params, doseq=True) if params else None,
            )
        except httpx.HTTPError as exc:
            _log.warning("api unreachable", component=self.name, error_type=type(exc).__name__)
            raise ApiProblem(0, "Unreachable") from None
        if response.status_code >= 400:
            raise _problem(response, self.name)
        if not response.content:
            return None
        return response.json()

    async def raw(self, path: str, *, token: str, params: Params = None) -> tuple[bytes, str]:
        """A GET whose answer is not JSON (a CSV export): its bytes and content type."""
        try:
            response = await self._client.get(
                f"{self._base}{path}",
                headers={"Authorization": f"Bearer {token}"},
                params=urlencode(params, doseq=True) if params else None,
            )
        except httpx.HTTPError as exc:
            _log.warning("api unreachable", component=self.name, error_type=type(exc).__name__)
            raise ApiProblem(0, "Unreachable") from None
        if response.status_code >= 400:
            raise _problem(response, self.name)
        return response.content, response.headers.get("content-type", "text/csv")


def _problem(response: httpx.Response, name: str) -> ApiProblem:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    errors = tuple(
        (str(e.get("field", "")), str(e.get("message", "")))
        for e in data.get("errors", [])
        if isinstance(e, dict)
    )
    retry = response.headers.get("Retry-After")
    _log.info("api refused", component=name, status_code=response.status_code)
    return ApiProblem(
        status=response.status_code,
        title=str(data.get("title", "")),
        detail=str(data.get("detail", "")),
        errors=errors,
        retry_after=int(retry) if retry and retry.isdigit() else None,
    )


class Intake:
    """The command side."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def report(self, *, token: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "POST", "/v1/incidents", token=token, body=body, idempotency_key=key
        )
        return result

    async def register(self, *, token: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "POST", "/v1/registrations", token=token, body=body, idempotency_key=key
        )
        return result

    async def command(
        self, *, token: str, incident_id: str, name: str, body: dict[str, Any], key: str
    ) -> dict[str, Any]:
        """acknowledge, actions, close, reopen, details, assign, decline."""
        result: dict[str, Any] = await self.api.call(
            "POST",
            f"/v1/incidents/{incident_id}/{name}",
            token=token,
            body=body,
            idempotency_key=key,
        )
        return result


class Registry:
    """The read side."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def incidents(self, *, token: str, params: Params) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "GET", "/v1/incidents", token=token, params=params
        )
        return result

    async def incident(self, *, token: str, incident_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "GET", f"/v1/incidents/{incident_id}", token=token
        )
        return result

    async def erase(
        self, *, token: str, incident_id: str, requested_by: str, key: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "POST",
            f"/v1/incidents/{incident_id}/erase",
            token=token,
            body={"requested_by": requested_by},
            idempotency_key=key,
        )
        return result

    async def get(self, path: str, *, token: str, params: Params = None) -> dict[str, Any]:
        """A read of the registry's other lists and figures: `/v1/stats`,
        `/v1/stats/acknowledgement`, `/v1/registrations`, `/v1/audit`."""
        result: dict[str, Any] = await self.api.call("GET", path, token=token, params=params)
        return result

    async def export_stats(self, *, token: str, params: Params) -> tuple[bytes, str]:
        """`/v1/export/stats` as the registry wrote it (suppressed, audited there)."""
        return await self.api.raw("/v1/export/stats", token=token, params=params)

    async def export_audit(self, *, token: str, params: Params) -> tuple[bytes, str]:
        """`/v1/export/audit` as the registry wrote it (the export audited there)."""
        return await self.api.raw("/v1/export/audit", token=token, params=params)


class Routing:
    """Who is on call, and who would be paged."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def oncall(self, *, token: str, at: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "GET", "/v1/oncall", token=token, params={"at": at} if at else None
        )
        return result

    async def preview(self, *, token: str, params: Params) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call(
            "GET", "/v1/oncall/preview", token=token, params=params
        )
        return result


class Notify:
    """Notify's operations API: dead letters and status."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def dead_letters(self, *, token: str, after: int = 0) -> dict[str, Any]:
        params = {"after": str(after), "limit": "100"} if after else {"limit": "100"}
        result: dict[str, Any] = await self.api.call(
            "GET", "/v1/dead-letters", token=token, params=params
        )
        return result

    async def status(self, *, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.api.call("GET", "/v1/status", token=token)
        return result

    async def redrive(self, *, token: str, seq: int | None) -> dict[str, Any]:
        """One dead letter (`seq`), or every failed one (None)."""
        path = f"/v1/dead-letters/{seq}/redrive" if seq else "/v1/dead-letters/redrive"
        result: dict[str, Any] = await self.api.call("POST", path, token=token)
        return result


CAPABILITY_PATHS = {
    "details": ("intake", "/v1/incidents/{incident_id}/details"),
    "assign": ("intake", "/v1/incidents/{incident_id}/assign"),
    "decline": ("intake", "/v1/incidents/{incident_id}/decline"),
    "oncall": ("routing", "/v1/oncall"),
    "preview": ("routing", "/v1/oncall/preview"),
}


class CapabilityProbe:
    """Which case-work commands the APIs offer, read from their OpenAPI documents (open,
    without a token) and kept for `ttl_s`; an API that cannot be read offers nothing."""

    def __init__(self, apis: dict[str, Api], *, ttl_s: float = 30.0) -> None:
        self._apis = apis
        self._ttl = ttl_s
        self._cached: tuple[float, Capabilities] | None = None

    async def current(self) -> Capabilities:
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self._ttl:
            return self._cached[1]
        documents: dict[str, dict[str, Any]] = {}
        for name, api in self._apis.items():
            try:
                documents[name] = await api.call("GET", "/openapi.json", token=None) or {}
            except ApiProblem:
                documents[name] = {}
        found = {
            capability: path in documents.get(api, {}).get("paths", {})
            for capability, (api, path) in CAPABILITY_PATHS.items()
        }
        schemas = documents.get("intake", {}).get("components", {}).get("schemas", {})
        found["related"] = "related_incident_id" in schemas.get("ReportIncident", {}).get(
            "properties", {}
        )
        capabilities = Capabilities(**found)
        self._cached = (now, capabilities)
        return capabilities
