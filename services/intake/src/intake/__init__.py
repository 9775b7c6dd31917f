"""Weerbaar intake: the command side. Validates requests and publishes events."""
