"""The deals cast (three enrolled firms at two vendors) for the security tests too."""

from tests.deals.conftest import deals_cast  # noqa: F401
