"""Weerbaar registry."""
