"""Intake's domain: the commands, a case's facts, who acts, and what can be refused; no I/O."""
