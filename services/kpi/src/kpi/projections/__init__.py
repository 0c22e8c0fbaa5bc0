"""Read models: the kpi service's own facts (inline) and what it learns from other contexts."""
