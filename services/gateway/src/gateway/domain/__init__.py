"""The gateway's pure domain: who may create which accounts."""
