"""The public HTTP API (`/api/v1`), DESIGN.md §7."""
