"""profset: the operator's command line for a Profset stack."""
