"""What notify talks to: the delivery channels (`channels/`), the delivered log in a
JetStream KV bucket, and the dead-letter stream."""
