"""How work reaches notify: the JetStream subscriber and the dead-letter CLI. They only
translate; the work is in `notify.service`."""
