"""Read-model queries of the kpi service."""
