"""The appeals service: members' appeals by life situation (D1, D2), answered, escalated when late, measured (K7)."""
