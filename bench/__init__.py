"""Benchmarks: Profset's figures against the raw limits of its own stack and against a peer, in one run."""
