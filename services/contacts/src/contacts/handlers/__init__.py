"""The contacts service's command handlers."""
