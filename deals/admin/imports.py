"""Console pages: imports."""
