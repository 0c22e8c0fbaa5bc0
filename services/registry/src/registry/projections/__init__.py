"""The registry's read models, updated inline with each append."""
