"""The appeals service's read models: its own events inline, the registry's from the REGISTRY stream."""
