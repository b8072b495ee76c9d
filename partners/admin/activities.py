"""Console pages: activities."""
