"""Routing's use cases: assign, acknowledge, escalate, remind, hand assignments and
raised urgency. Every effect is published before the state that records it is written,
and every published event and timer has an id derived from the incident and the
escalation level: a crash between the two, a redelivery, or a second routing process
doing the same work publishes the very same events again, which JetStream and every
consumer drop; the compare-and-set on the state decides who moves on."""
