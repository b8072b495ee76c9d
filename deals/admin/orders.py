"""Console pages: orders."""
