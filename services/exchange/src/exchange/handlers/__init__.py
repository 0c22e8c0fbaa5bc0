"""The exchange service's command handlers and the cascade runner."""
