"""The kpi service: indicators K1–K9 per org per period, targets, roll-ups, rankings, series, closed periods."""
