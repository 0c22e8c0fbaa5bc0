"""The staff UI's pages, one module per area of work."""
