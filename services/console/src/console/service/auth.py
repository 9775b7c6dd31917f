"""Signing in and out, and finding the session of a request."""

from __future__ import annotations

from dataclasses import replace

from console.domain.session import (
    PendingSignIn,
    Session,
    User,
    new_secret,
    safe_return_path,
    start,
    storage_key,
)
from console.service.ports import IdentityProvider as OidcClient
from console.service.ports import SessionStore, SignInFailedError
from weerbaar_runtime.auth import Access, Authenticator, Principal
from weerbaar_runtime.credentials import sign_token
from weerbaar_runtime.http import ProblemError

TOUCH_EVERY_S = 30.0
PENDING_PREFIX = "pending."


DEVELOPMENT_USERS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("operator-1", "Sanne Visser, operator", {}),
    ("operator-2", "Daan Mulder, operator", {}),
    ("adviser-ngb-01", "Eva de Boer, adviseur NGB (ngb-01)", {"adviser_id": "ngb-01"}),
    ("adviser-ngb-02", "Lars Jansen, adviseur NGB (ngb-02)", {"adviser_id": "ngb-02"}),
    ("coordinator-1", "Noor Smit, coördinator", {}),
    ("analyst-1", "Ruben Meijer, analist", {}),
    ("ops-1", "Jesse Bos, beheer", {}),
    ("system-gm0363", "Gemeente Amsterdam, eigen registratie", {"organisation_code": "GM0363"}),
)
"""The development users of `make run` (the subjects of weerbaar-dev-credentials)."""

DEVELOPMENT_ROLES = {
    "operator-1": Access.OPERATOR,
    "operator-2": Access.OPERATOR,
    "adviser-ngb-01": Access.ADVISER,
    "adviser-ngb-02": Access.ADVISER,
    "coordinator-1": Access.COORDINATOR,
    "analyst-1": Access.ANALYST,
    "ops-1": Access.OPS,
    "system-gm0363": Access.MUNICIPAL_SYSTEM,
}


def user_of(principal: Principal, display_name: str | None) -> User:
    return User(
        subject=principal.subject,
        role=principal.role.value,
        display_name=display_name or principal.subject,
        adviser_id=principal.adviser_id,
        organisation_code=principal.organisation_code,
    )


async def _save(store: SessionStore, session_id: str, session: Session) -> None:
    await store.put(storage_key(session_id), session.to_dict())


async def sign_in_development(
    *,
    store: SessionStore,
    authenticator: Authenticator,
    subject: str,
    signing_key: str,
    issuer: str,
    audience: str,
    ttl_s: int,
    now: float,
) -> tuple[str, Session]:
    """Sign in as one of make run's development users (development only)."""
    chosen = next((u for u in DEVELOPMENT_USERS if u[0] == subject), None)
    if chosen is None:
        raise SignInFailedError
    token = sign_token(
        subject=subject,
        role=DEVELOPMENT_ROLES[subject],
        claims=chosen[2],
        key=signing_key,
        issuer=issuer,
        audience=audience,
        ttl_s=ttl_s,
    )
    principal = authenticator.verify(token)
    session = start(
        user_of(principal, chosen[1]), access_token=token, now=now, token_expires_at=now + ttl_s
    )
    session_id = new_secret()
    await _save(store, session_id, session)
    return session_id, session


async def begin_oidc(
    *, store: SessionStore, oidc: OidcClient, return_to: str | None, now: float
) -> tuple[str, str]:
    """(the pending sign-in's id for a short-lived cookie, the provider's URL)."""
    pending = PendingSignIn(
        state=new_secret(),
        nonce=new_secret(),
        code_verifier=new_secret() + new_secret(),
        created_at=now,
        return_to=safe_return_path(return_to),
    )
    url = await oidc.authorization_url(
        state=pending.state, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    await store.put(PENDING_PREFIX + storage_key(pending.state), pending.to_dict())
    return pending.state, url


async def complete_oidc(
    *,
    store: SessionStore,
    oidc: OidcClient,
    authenticator: Authenticator,
    cookie_state: str | None,
    state: str,
    code: str,
    now: float,
) -> tuple[str, Session, str]:
    """Check the callback belongs to this browser's sign-in, exchange the code and open
    a session: (session id, session, where to go next)."""
    if not cookie_state or cookie_state != state:
        raise SignInFailedError
    key = PENDING_PREFIX + storage_key(state)
    data = await store.get(key)
    await store.delete(key)  # a code and its state are good for one try
    if data is None:
        raise SignInFailedError
    pending = PendingSignIn.from_dict(data)
    if pending.expired(now):
        raise SignInFailedError
    tokens = await oidc.exchange(
        code=code, code_verifier=pending.code_verifier, nonce=pending.nonce
    )
    try:
        principal = authenticator.verify(tokens.access_token)
    except ProblemError:
        raise SignInFailedError from None
    session = start(
        user_of(principal, tokens.name),
        access_token=tokens.access_token,
        now=now,
        token_expires_at=tokens.expires_at,
        id_token=tokens.id_token,
    )
    session_id = new_secret()
    await _save(store, session_id, session)
    return session_id, session, pending.return_to


async def current(
    *, store: SessionStore, session_id: str | None, now: float, idle_s: int, absolute_s: int
) -> Session | None:
    """The live session of this cookie, touched; None (and gone) once it has expired."""
    if not session_id or len(session_id) > 100:
        return None
    key = storage_key(session_id)
    data = await store.get(key)
    if data is None:
        return None
    session = Session.from_dict(data)
    if session.expired(now, idle_s=idle_s, absolute_s=absolute_s):
        await store.delete(key)
        return None
    if now - session.last_seen_at > TOUCH_EVERY_S:
        session = session.touched(now)
        await store.put(key, session.to_dict())
    return session


async def update(*, store: SessionStore, session_id: str, session: Session) -> None:
    await _save(store, session_id, session)


async def preferences(
    *,
    store: SessionStore,
    session_id: str,
    session: Session,
    language: str | None = None,
    shortcuts: bool | None = None,
) -> Session:
    changed = replace(
        session,
        language=language if language in ("nl", "en") else session.language,
        shortcuts=session.shortcuts if shortcuts is None else shortcuts,
    )
    await _save(store, session_id, changed)
    return changed


async def sign_out(*, store: SessionStore, session_id: str | None) -> Session | None:
    """End the session: its data, with the forwarded token, is purged from the store."""
    if not session_id or len(session_id) > 100:
        return None
    key = storage_key(session_id)
    data = await store.get(key)
    await store.delete(key)
    return Session.from_dict(data) if data else None
