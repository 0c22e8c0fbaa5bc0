"""Read models: own events inline, the registry's from JetStream."""
