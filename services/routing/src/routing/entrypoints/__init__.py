"""Routing's entrypoints: the event and timer subscribers, the HTTP API and the roster
reload. They translate what arrives into a call of the service layer."""
