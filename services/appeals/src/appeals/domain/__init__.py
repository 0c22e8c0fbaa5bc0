"""The appeals' pure rules: an appeal's life from filing to closure, and when it escalates."""
