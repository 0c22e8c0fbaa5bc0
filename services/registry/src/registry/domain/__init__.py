"""The registry's pure domain: no IO, no logging, no clock — "today" arrives in the command."""
