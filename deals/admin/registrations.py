"""Console pages: registrations."""
