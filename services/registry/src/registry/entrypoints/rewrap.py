"""`weerbaar-registry rotate-keys`, the key store's part: every case's data key
re-wrapped under `CASE_KEK_ID` (weerbaar_runtime.rewrap), as the registry's NATS user."""

from __future__ import annotations

import sys
from typing import TextIO

import nats

from contracts.subjects import inbox_prefix
from registry.settings import RegistrySettings
from weerbaar_runtime.rewrap import Rewrapped, rewrap_keys


async def rewrap(settings: RegistrySettings, *, out: TextIO = sys.stderr) -> Rewrapped:
    options: dict[str, object] = {
        "name": "weerbaar-registry-rotate-keys",
        "inbox_prefix": inbox_prefix(settings.nats_user),
    }
    if settings.nats_user and settings.nats_password:
        options.update(user=settings.nats_user, password=settings.nats_password.get_secret_value())
    nc = await nats.connect(settings.nats_servers(), **options)
    try:
        return await rewrap_keys(nc.jetstream(), settings.kek_ring(), out=out)
    finally:
        await nc.close()
