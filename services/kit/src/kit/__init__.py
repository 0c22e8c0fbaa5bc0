"""Profset's one small shared runtime: plumbing only, no domain."""
