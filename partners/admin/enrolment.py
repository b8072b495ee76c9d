"""Console pages: enrolment."""
