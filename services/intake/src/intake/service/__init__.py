"""Use cases: who may act on which case, and turning a command into a stored event."""
