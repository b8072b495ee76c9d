"""Builders for dispute scenarios: signed-in clients, the console's actions, the rows."""

import time_machine
from django.test import Client

from disputes.models import Dispute
from partners.models import PartnerContact
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory
from tests.tiers.conftest import noon


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def partner_user(tenant, enrolment):
    with tenant_scope(tenant):
        return PartnerContact.objects.filter(firm=enrolment.firm).order_by("pk").first().user


def staff(tenant, role=StaffRole.MANAGER, **more):
    return StaffMembershipFactory(tenant=tenant, role=role, **more).user


def on(day):
    """Run the block at noon UTC of `day` (pages read the clock)."""
    return time_machine.travel(noon(day), tick=False)


def dispute_of(tenant, pk) -> Dispute:
    with tenant_scope(tenant):
        return Dispute.objects.get(pk=pk)


def only_dispute(tenant) -> Dispute:
    with tenant_scope(tenant):
        return Dispute.objects.get()


def console_action(user, dispute, action, data):
    return signed_in(user).post(f"/admin/disputes/dispute/{dispute.pk}/{action}/", data)
