"""Read models: own events inline, the registry's tree from JetStream."""
