"""Pure rules of who is notified, how a notification is named, and when it is retried."""
