"""The console's domain: plain data and rules, no I/O."""
