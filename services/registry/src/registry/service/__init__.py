"""The registry's use cases: who may see what, erasure on request, retention."""
