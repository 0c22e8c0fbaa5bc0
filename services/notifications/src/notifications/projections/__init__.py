"""Read models: what other contexts tell us (to plan), and our own receipts (inline)."""
