"""E-mail over SMTP (aiosmtplib). The Message-ID derives from the notification id, so a
receiver (or a mail filter) can drop a repeat."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email import charset as charsets
from email.header import Header
from email.message import Message
from email.utils import formatdate

import aiosmtplib

from contracts.vocabulary import NotificationChannel
from notify.domain.circuit import CircuitBreaker
from notify.service import metrics
from notify.service.ports import DeliveryError, OutgoingMessage, Receipt
from notify.settings import NotifySettings

PROVIDER = "smtp"

_UTF8 = charsets.Charset("utf-8")
_UTF8.body_encoding = charsets.QP  # readable in a raw mail, safe for any line


def _header(value: str) -> str:
    """A header value on one line (no header can be smuggled in), RFC 2047 encoded when
    it is not ASCII."""
    value = " ".join(value.splitlines())
    return value if value.isascii() else Header(value, "utf-8").encode()


def message_id(message: OutgoingMessage) -> str:
    """The Message-ID of a notification: the same for every repeat of it."""
    return f"<{message.notification_id}@weerbaar>"


class EmailChannel:
    channel = NotificationChannel.EMAIL

    def __init__(self, settings: NotifySettings, *, breaker: CircuitBreaker) -> None:
        self._settings = settings
        self._breaker = breaker
        self._sessions = Sessions(
            settings, size=settings.smtp_sessions, idle_s=settings.smtp_session_idle_s
        )

    def build(self, message: OutgoingMessage) -> Message:
        """The mail, built with the plain (compat32) message API: the modern one parsed
        every header it was given again and took a third of notify's CPU per page."""
        email = Message()
        email["From"] = _header(self._settings.mail_from)
        email["To"] = _header(message.to)
        email["Subject"] = _header(message.subject)
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id(message)
        email["X-Weerbaar-Notification-Id"] = _header(message.idempotency_key)
        email["X-Weerbaar-Purpose"] = _header(message.purpose)
        email["Auto-Submitted"] = "auto-generated"
        email["MIME-Version"] = "1.0"
        email.set_payload(message.text, _UTF8)
        return email

    async def send(self, message: OutgoingMessage) -> Receipt:
        if not self._breaker.allow():
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "circuit_open").inc()
            raise DeliveryError("CircuitOpen")
        started = time.perf_counter()
        mail = self.build(message)
        try:
            await self._sessions.send(mail)
        except Exception as exc:
            self._breaker.failure()
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "failed").inc()
            raise DeliveryError(type(exc).__name__) from exc
        # Accepted once DATA is answered: return now, so the delivery is recorded at
        # once (the only window for a repeat is between acceptance and the record).
        self._breaker.success()
        metrics.SEND_SECONDS.labels(self.channel.value, PROVIDER).observe(
            time.perf_counter() - started
        )
        metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "delivered").inc()
        return Receipt(provider=PROVIDER)

    async def aclose(self) -> None:
        await self._sessions.aclose()


class Sessions:
    """Up to `size` SMTP sessions kept open and reused, one mail at a time each (a new
    session per mail cost a connection, a greeting and EHLO every time). A session idle
    longer than `idle_s` is closed rather than reused (servers drop idle clients); a
    reused session the server has closed meanwhile is replaced by a fresh one for the
    same mail, which is safe: the mail was not accepted, and its Message-ID is the same."""

    def __init__(self, settings: NotifySettings, *, size: int, idle_s: float) -> None:
        self._settings = settings
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []
        self._room = asyncio.Semaphore(size)
        self._idle_s = idle_s
        self._closing: set[asyncio.Task[None]] = set()

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            use_tls=s.smtp_implicit_tls,
            timeout=s.smtp_timeout_s,
        )

    def _reusable(self) -> aiosmtplib.SMTP | None:
        now = time.monotonic()
        while self._idle:
            since, client = self._idle.pop()
            if now - since <= self._idle_s and client.is_connected:
                return client
            self._quit_later(client)
        return None

    async def send(self, mail: Message) -> None:
        async with self._room:
            client = self._reusable()
            if client is not None:
                try:
                    await client.send_message(mail)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    client.close()  # closed by the server while idle: a fresh session
                except Exception:
                    client.close()
                    raise
                else:
                    self._idle.append((time.monotonic(), client))
                    return
            client = self._client()
            try:
                await client.connect()
                await client.send_message(mail)
            except Exception:
                client.close()
                raise
            self._idle.append((time.monotonic(), client))

    def _quit_later(self, client: aiosmtplib.SMTP) -> None:
        closing = asyncio.create_task(self._quit(client))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        while self._idle:
            self._quit_later(self._idle.pop()[1])
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=2)

    @staticmethod
    async def _quit(client: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            await client.quit()
        client.close()
