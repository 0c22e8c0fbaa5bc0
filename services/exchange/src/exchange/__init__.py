"""The exchange service: materials up and down the chain (X1–X6), moderation (H2), deliveries."""
