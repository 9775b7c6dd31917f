"""Weerbaar routing."""
