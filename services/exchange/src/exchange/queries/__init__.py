"""Read-model queries of the exchange service."""
