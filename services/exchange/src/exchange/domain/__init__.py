"""Pure rules of materials, routing and moderation: no IO, no clock."""
