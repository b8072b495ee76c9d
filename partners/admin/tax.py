"""Console pages: tax."""
