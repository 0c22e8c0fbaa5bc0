"""The registry's read-model queries: every answer as of a valid date and as known on a recording date."""
