"""With notify's own settings, a mail server down for minutes loses no page: the retry
window is time (15 minutes), not a handful of attempts; a provider down for longer
ends in `notification.failed` (which routing escalates) when the window ends."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from contracts.events import NotificationFailed, NotificationSent
from contracts.vocabulary import NotificationChannel
from notify.domain.retries import RetryRules
from notify.settings import NotifySettings
from tests.support.events import T0, assigned
from tests.support.notify_rig import Outage, Rig
from weerbaar_runtime.consumer import GiveUpError, RetryLaterError

SETTINGS = NotifySettings()
DEFAULTS = RetryRules(
    max_attempts=SETTINGS.max_attempts,
    max_retry_s=SETTINGS.max_retry_s,
    base_s=SETTINGS.retry_base_s,
    cap_s=SETTINGS.retry_cap_s,
    failover_delay_s=SETTINGS.failover_delay_s,
)


def outage_rig(outage_s: float) -> tuple[Rig, Outage]:
    rig = Rig(rules=DEFAULTS)
    down = Outage(
        NotificationChannel.EMAIL, clock=rig.clock, until=T0 + timedelta(seconds=outage_s)
    )
    rig.channels[NotificationChannel.EMAIL] = down
    rig.notifier = rig.make([NotificationChannel.EMAIL])
    return rig, down


async def deliver(rig: Rig) -> tuple[int, Exception | None]:
    """Handle the page as the consumer would: again after each asked-for delay, until it
    is done or given up. The attempt it ended on, and how it ended."""
    for attempt in range(1, DEFAULTS.max_attempts + 1):
        try:
            await rig.notifier.handle(assigned(), attempt=attempt)
        except RetryLaterError as retry:
            rig.clock.now += timedelta(seconds=retry.delay_s)
            continue
        except GiveUpError as gave_up:
            return attempt, gave_up
        return attempt, None
    raise AssertionError("neither delivered nor given up within max_attempts")


@pytest.mark.parametrize("outage_s", [60, 300, 600])
async def test_an_outage_of_minutes_loses_no_page(outage_s: float) -> None:
    for seed in range(40):  # the jitter of the backoff, drawn many ways
        random.seed(seed)
        rig, down = outage_rig(outage_s)
        attempt, ended = await deliver(rig)
        assert ended is None, (outage_s, seed, attempt)
        assert rig.reports(NotificationFailed) == []
        (sent,) = rig.reports(NotificationSent)
        assert sent.channel == NotificationChannel.EMAIL
        assert len(down.sent) == 1
        # sent within the backoff cap of the provider coming back
        late = (rig.clock.now - down.until).total_seconds()
        assert 0 <= late <= DEFAULTS.cap_s, (outage_s, seed, late)


async def test_a_provider_down_longer_than_the_window_fails_the_page_when_it_ends() -> None:
    for seed in range(10):
        random.seed(seed)
        rig, _ = outage_rig(3 * DEFAULTS.max_retry_s)
        attempt, ended = await deliver(rig)
        assert isinstance(ended, GiveUpError)
        # the time bound ended it, not the number of attempts
        assert attempt < DEFAULTS.max_attempts
        elapsed = (rig.clock.now - T0).total_seconds()
        assert elapsed >= DEFAULTS.max_retry_s
        (failed,) = rig.reports(NotificationFailed)
        assert failed.purpose == "page"


def test_the_window_outlasts_minutes_and_the_attempts_outlast_the_window() -> None:
    assert DEFAULTS.max_retry_s >= 600
    # even if every wait at the cap drew only half the cap, the attempts would last
    # longer than the window
    assert (DEFAULTS.max_attempts - 10) * DEFAULTS.cap_s / 2 > DEFAULTS.max_retry_s
