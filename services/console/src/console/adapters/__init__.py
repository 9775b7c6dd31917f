"""What the console talks to: the APIs, the session store, the change feed and the
identity provider."""
