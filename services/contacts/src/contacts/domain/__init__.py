"""Pure rules of contact points and information resources: no IO, no clock."""
