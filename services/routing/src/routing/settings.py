"""Routing's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from contracts.vocabulary import Urgency
from weerbaar_runtime.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    port: int = Field(default=8002, ge=1, le=65535, validation_alias="ROUTING_PORT")
    roster_path: Path = Field(
        default=Path("deploy/config/roster.yaml"), validation_alias="ROUTING_ROSTER"
    )
    roster_poll_s: float = Field(
        default=2.0,
        gt=0,
        validation_alias="ROUTING_ROSTER_POLL_S",
        description="How often the roster file is checked for changes (SIGHUP reloads at once)",
    )
    ack_deadline_acute_s: float = Field(default=300, gt=0, validation_alias="ACK_DEADLINE_ACUTE_S")
    ack_deadline_high_s: float = Field(default=900, gt=0, validation_alias="ACK_DEADLINE_HIGH_S")
    ack_deadline_normal_s: float = Field(
        default=3600, gt=0, validation_alias="ACK_DEADLINE_NORMAL_S"
    )
    outreach_deadline_s: float = Field(
        default=4 * 3600,
        gt=0,
        validation_alias="ACK_DEADLINE_OUTREACH_S",
        description="Deadline for outreach after a media report",
    )
    escalation_rounds: int = Field(
        default=2,
        ge=1,
        le=10,
        validation_alias="ESCALATION_ROUNDS",
        description="How many times the escalation ring is paged before giving up",
    )
    idle_reminder_s: float = Field(
        default=4 * 3600,
        gt=0,
        validation_alias="IDLE_REMINDER_S",
        description="Acknowledged but no action for this long: remind the adviser, "
        "then (as long again) the coordinator",
    )
    nats_timeout_s: float = Field(
        default=1.0,
        gt=0,
        validation_alias="ROUTING_NATS_TIMEOUT_S",
        description="How long one JetStream request (a state read or write, a publish) "
        "waits before it is tried again: short, so a request sent just before a Raft "
        "election ended is repeated at once, not waited out, and an escalation due then "
        "goes out with the new leader",
    )
    timer_stats_s: float = Field(
        default=15.0,
        gt=0,
        validation_alias="ROUTING_TIMER_STATS_S",
        description="How often the number of pending timers is read from JetStream",
    )

    def ack_deadline_s(self, urgency: Urgency) -> float:
        """Seconds an adviser has to acknowledge, by urgency."""
        return {
            Urgency.ACUTE: self.ack_deadline_acute_s,
            Urgency.HIGH: self.ack_deadline_high_s,
            Urgency.NORMAL: self.ack_deadline_normal_s,
        }[urgency]
