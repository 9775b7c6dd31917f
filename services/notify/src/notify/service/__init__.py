"""Notify's use cases (`notifier.Notifier`) and the ports they need (`ports`)."""
