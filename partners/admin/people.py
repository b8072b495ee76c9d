"""Console pages: people."""
