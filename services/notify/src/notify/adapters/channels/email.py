"""E-mail over SMTP (aiosmtplib). The Message-ID derives from the notification id, so a
receiver (or a mail filter) can drop a repeat."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from contracts.vocabulary import NotificationChannel
from notify.domain.circuit import CircuitBreaker
from notify.service import metrics
from notify.service.ports import DeliveryError, OutgoingMessage, Receipt
from notify.settings import NotifySettings

PROVIDER = "smtp"


def message_id(message: OutgoingMessage) -> str:
    """The Message-ID of a notification: the same for every repeat of it."""
    return f"<{message.notification_id}@weerbaar>"


class EmailChannel:
    channel = NotificationChannel.EMAIL

    def __init__(self, settings: NotifySettings, *, breaker: CircuitBreaker) -> None:
        self._settings = settings
        self._breaker = breaker
        self._closing: set[asyncio.Task[None]] = set()

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._settings.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id(message)
        email["X-Weerbaar-Notification-Id"] = message.idempotency_key
        email["X-Weerbaar-Purpose"] = message.purpose
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.text)
        return email

    async def send(self, message: OutgoingMessage) -> Receipt:
        if not self._breaker.allow():
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "circuit_open").inc()
            raise DeliveryError("CircuitOpen")
        s = self._settings
        started = time.perf_counter()
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            use_tls=s.smtp_implicit_tls,
            timeout=s.smtp_timeout_s,
        )
        try:
            await client.connect()
            await client.send_message(self.build(message))
        except Exception as exc:
            client.close()
            self._breaker.failure()
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "failed").inc()
            raise DeliveryError(type(exc).__name__) from exc
        # Accepted once DATA is answered: return now, so the delivery is recorded at
        # once (the only window for a repeat is between acceptance and the record),
        # and say goodbye to the server in the background.
        closing = asyncio.create_task(self._quit(client))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        self._breaker.success()
        metrics.SEND_SECONDS.labels(self.channel.value, PROVIDER).observe(
            time.perf_counter() - started
        )
        metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "delivered").inc()
        return Receipt(provider=PROVIDER)

    @staticmethod
    async def _quit(client: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            await client.quit()
        client.close()
