"""Notify's domain: what to send to whom, in which order, and when to stop trying.

Plain values and functions, no I/O: one event becomes a `Dispatch`
(`notify.domain.dispatch`) of `Notification`s (`notifications`); `retries` decides
what is due and what happens after an attempt; `messages` and `links` make the texts,
`signing` the webhook signature, `circuit` the per-provider circuit breaker.
"""
