"""Weerbaar notify."""
