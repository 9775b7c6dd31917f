"""Delivery channels. Each turns a rendered message into a delivery, or raises."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from notify.settings import NotifySettings


class EmailChannel:
    """SMTP; the Message-ID comes from the notification id, so a repeat can be dropped."""

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    async def send(self, *, notification_id: uuid.UUID, to: str, subject: str, body: str) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = f"<{notification_id}@weerbaar>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_s,
        )
