"""Weerbaar console."""
