"""Read-model queries of the contacts service."""
