"""The registry's command handlers: load, check access, decide, append."""
