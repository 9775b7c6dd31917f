"""Routing's adapters: the KV state store, JetStream timer schedules, the roster file."""
