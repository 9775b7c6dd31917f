"""The registry's HTTP API, one router per resource."""
