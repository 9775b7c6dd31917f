"""The registry's entrypoints: HTTP routers and the rebuild command."""
