"""Weerbaar's contracts: vocabulary, events, subjects and stream definitions."""
