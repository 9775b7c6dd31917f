"""The settings of the producers and readers of sealed fields (intake, the registry):
the key-encryption keys, and the key store they use."""

from __future__ import annotations

from typing import Self

from faststream.nats import NatsBroker
from pydantic import Field, SecretStr, model_validator

from contracts.subjects import KEYS_BUCKET
from weerbaar_runtime.keystore import KeyStore
from weerbaar_runtime.nats import LazyBucket
from weerbaar_runtime.sealing import DEV_KEK, DEV_KEK_ID, KekRing
from weerbaar_runtime.settings import ServiceSettings


class CaseKeySettings(ServiceSettings):
    """`CASE_KEKS` (JSON: KEK id → base64 of 32 random bytes) and `CASE_KEK_ID` (the
    one that wraps new data keys); production refuses the development KEK."""

    case_keks: dict[str, SecretStr] = Field(
        default_factory=lambda: {DEV_KEK_ID: SecretStr(DEV_KEK)},
        validation_alias="CASE_KEKS",
        description="Key-encryption keys of the cases' data keys, JSON: id → base64 of "
        "32 random bytes; every KEK a stored key names must be here",
    )
    case_kek_id: str = Field(
        default=DEV_KEK_ID,
        validation_alias="CASE_KEK_ID",
        description="The KEK that wraps new data keys (one of CASE_KEKS)",
    )
    key_store_timeout_s: float = Field(
        default=2.0,
        gt=0,
        validation_alias="KEY_STORE_TIMEOUT_S",
        description="How long a read or write of the key store may take before the "
        "request is answered 503",
    )
    key_cache: int = Field(
        default=10000,
        ge=0,
        validation_alias="KEY_CACHE",
        description="Unwrapped data keys kept in memory (most recently used)",
    )

    @model_validator(mode="after")
    def _usable_keks(self) -> Self:
        self.kek_ring()
        if self.environment == "production" and any(
            key.get_secret_value().strip() == DEV_KEK for key in self.case_keks.values()
        ):
            raise ValueError(
                "production refuses the development key-encryption key: set CASE_KEKS "
                "and CASE_KEK_ID"
            )
        return self

    def kek_ring(self) -> KekRing:
        return KekRing.from_config(
            {kid: key.get_secret_value() for kid, key in self.case_keks.items()},
            self.case_kek_id,
        )

    def key_store(self, broker: NatsBroker) -> KeyStore:
        return KeyStore(
            LazyBucket(broker, KEYS_BUCKET),
            self.kek_ring(),
            timeout_s=self.key_store_timeout_s,
            cache=self.key_cache,
        )
