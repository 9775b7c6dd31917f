"""Alembic migrations of the registry's read model (`upgrade head` runs on start)."""
