"""Profset's gateway: staff login and roles, the public HTTP API, and the thin staff UI."""
