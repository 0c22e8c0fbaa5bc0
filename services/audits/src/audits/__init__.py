"""The audits service: the policy's rules as code, compliance on any date, yearly audits, plans, contests."""
