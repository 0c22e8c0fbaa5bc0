"""The contacts service: contact points with consent, information resources, contact-base submissions."""
