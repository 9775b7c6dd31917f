"""Routing's domain: the roster, who is on call, the assignment policy, the escalation
and reminder rules, and the events they make. No I/O."""
