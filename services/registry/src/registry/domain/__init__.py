"""The registry's domain: pure functions and typed state, no I/O."""
