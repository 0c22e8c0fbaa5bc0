"""Profset's registry: the union's tree of orgs over valid time, membership, people and officers."""
