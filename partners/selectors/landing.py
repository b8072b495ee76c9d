"""Where a person lands after signing in, and the applications shown on the front door."""

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from partners.models import Application, ApplicationStatus, PartnerContact
from partners.selectors.contacts import contacts_of
from tenants.scope import all_tenants
from tenants.selectors import staff_memberships_of


def applications_of(user: AbstractBaseUser) -> list[Application]:
    """The user's applications across vendors, newest first (for the front door)."""
    if not user.is_authenticated:
        return []
    # Which vendors a person applied to is identity, like their contacts: it crosses tenants.
    with all_tenants():
        return list(
            Application.objects.filter(applicant=user, tenant__is_active=True)
            .select_related("tenant", "program")
            .order_by("-submitted_at", "-pk")
        )


def chosen_contact(contacts: list[PartnerContact]) -> PartnerContact | None:
    """The only contact, else the one whose vendor was picked last; None: not picked yet."""
    if len(contacts) == 1:
        return contacts[0]
    picked = [c for c in contacts if c.chosen_at is not None]
    return max(picked, key=lambda c: c.chosen_at) if picked else None


def landing_url(user: AbstractBaseUser) -> str:
    """Staff: the console; a partner: the vendor's portal (picked last); an applicant: status."""
    if user.is_superuser or staff_memberships_of(user):
        return reverse("admin:index")
    contacts = contacts_of(user)
    chosen = chosen_contact(contacts)
    if chosen is not None:
        return reverse("portal_home", kwargs={"tenant_slug": chosen.tenant.slug})
    if contacts:
        return reverse("home")  # the chooser: one button per vendor
    pending = [a for a in applications_of(user) if a.status == ApplicationStatus.SUBMITTED]
    if len(pending) == 1:
        application = pending[0]
        return reverse(
            "portal_apply_program",
            kwargs={
                "tenant_slug": application.tenant.slug,
                "program_slug": application.program.slug,
            },
        )
    return reverse("home")
