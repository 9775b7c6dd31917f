"""Helpers shared by the tests: real servers on free ports, processes, polling."""
