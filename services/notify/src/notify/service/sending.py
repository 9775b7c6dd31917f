"""Sending one notification: render it, hand it to its channel, and record the delivery
in the delivered log before anyone is told about it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from contracts.events import AdviserAssigned
from contracts.vocabulary import NotificationChannel
from notify.domain.dispatch import Dispatch
from notify.domain.links import Links
from notify.domain.messages import render
from notify.domain.notifications import Notification
from notify.service import metrics
from notify.service.ports import (
    Channel,
    DeliveredLog,
    DeliveryError,
    DeliveryRecord,
    OutgoingMessage,
    Receipt,
)
from notify.service.reports import log_context
from weerbaar_runtime.logging import get_logger

_log = get_logger("notify")


class Sender:
    def __init__(
        self,
        *,
        channels: Mapping[NotificationChannel, Channel],
        delivered: DeliveredLog,
        links: Links,
        clock: Callable[[], datetime],
        record_pauses_s: tuple[float, ...],
    ) -> None:
        self._channels = channels
        self._delivered = delivered
        self._links = links
        self._clock = clock
        self._record_pauses_s = record_pauses_s

    async def send(
        self, dispatch: Dispatch, notification: Notification, attempt: int
    ) -> DeliveryRecord | str:
        """Send one notification: its delivery record, or the kind of error."""
        message = self.message(dispatch, notification)
        try:
            receipt = await self._channels[notification.channel].send(message)
        except DeliveryError as exc:
            return exc.kind
        except Exception as exc:
            _log.error("channel raised", exc_info=exc, **log_context(dispatch, notification))
            return type(exc).__name__
        record = DeliveryRecord(
            delivered_at=self._clock(), provider=receipt.provider, attempt=attempt
        )
        if not await self._record(dispatch, notification, record):
            return "DeliveredLogUnavailable"
        self._count_delivery(dispatch, notification, receipt, record)
        return record

    async def _record(
        self, dispatch: Dispatch, notification: Notification, record: DeliveryRecord
    ) -> bool:
        for pause in (*self._record_pauses_s, None):
            try:
                await self._delivered.record(notification.notification_id, record)
                return True
            except Exception as exc:
                if pause is None:
                    # Sent but not recorded: a retry will send it again, with the same id.
                    _log.error(
                        "delivery not recorded",
                        exc_info=exc,
                        **log_context(dispatch, notification),
                    )
                    return False
                await asyncio.sleep(pause)
        return False

    @staticmethod
    def _count_delivery(
        dispatch: Dispatch,
        notification: Notification,
        receipt: Receipt,
        record: DeliveryRecord,
    ) -> None:
        channel = notification.channel.value
        _log.info(
            "notification delivered",
            **log_context(dispatch, notification),
            provider=receipt.provider,
            attempt=record.attempt,
        )
        metrics.DELIVERIES.labels(channel, receipt.provider, dispatch.purpose).inc()
        latency = (record.delivered_at - dispatch.event.occurred_at).total_seconds()
        metrics.LATENCY.labels(channel, dispatch.purpose).observe(max(0.0, latency))

    def message(self, dispatch: Dispatch, notification: Notification) -> OutgoingMessage:
        event = dispatch.event
        ack_url = None
        if isinstance(event, AdviserAssigned):
            ack_url = self._links.ack_url(
                incident_id=event.incident_id,
                assignment_id=event.assignment_id,
                ack_deadline=event.ack_deadline,
            )
        rendered = render(
            event,
            channel=notification.channel,
            notification_id=notification.notification_id,
            ack_url=ack_url,
            case_url=self._links.case_url(incident_id=event.incident_id),
        )
        return OutgoingMessage(
            notification_id=notification.notification_id,
            channel=notification.channel,
            to=notification.address,
            subject=rendered.subject,
            text=rendered.text,
            incident_reference=str(event.incident_id),
            purpose=dispatch.purpose,
            data=rendered.data,
        )
