"""Use cases: what the routes ask for, as keyword-only functions."""
