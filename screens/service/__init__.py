"""Start and stop service, and the district's work orders."""
