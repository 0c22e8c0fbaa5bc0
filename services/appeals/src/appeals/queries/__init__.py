"""Reads of the appeals service's read models."""
