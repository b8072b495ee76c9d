"""Console pages of the partners app, one module per concept."""

from partners.admin import activities, enrolment, firms, home, people, tax  # noqa: F401
