"""Console pages of the deals app, one module per concept."""

from deals.admin import home, imports, orders, registrations  # noqa: F401
