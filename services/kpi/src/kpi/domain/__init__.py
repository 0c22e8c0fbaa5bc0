"""Pure rules of the indicators: periods, the formulas of K1–K9, roll-ups, targets and closing a period."""
