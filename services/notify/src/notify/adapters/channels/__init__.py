"""Delivery channels: each is one file implementing `notify.service.ports.Channel` (`send` a
message, return a receipt or raise `DeliveryError`). A new channel is a new file here
and one line in `notify.bootstrap`."""
