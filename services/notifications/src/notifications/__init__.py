"""The notifications service: e-mail that reaches people and outside parties, with receipts."""
