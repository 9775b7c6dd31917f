"""What the use cases reach through their ports: JetStream and its KV idempotency bucket."""
