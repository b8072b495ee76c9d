"""The console tests' data: the demo vendors (seed_demo), which hold every kind of record."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tenants.models import Tenant


@pytest.fixture
def demo(db):
    """The four demo vendors with their staff, firms, registrations, orders and a batch."""
    call_command("seed_demo", stdout=StringIO())
    return Tenant.objects.get(slug="cimcloud")


def console_client(email: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return client
