"""The console (Django admin) shows, offers and saves one tenant's rows, by staff role."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from partners.models import PartnerContact, PartnerFirm
from tenants.models import ApiKey, StaffRole, hash_api_secret
from tenants.scope import all_tenants
from tests.factories import StaffMembershipFactory, UserFactory
from tests.isolation import assert_hidden_from, assert_visible_to

FIRMS = "/admin/partners/partnerfirm/"
CONTACTS = "/admin/partners/partnercontact/"


def firm_url(firm, view="change"):
    return f"{FIRMS}{firm.pk}/{view}/"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def firm_names_listed(client, cast, query=""):
    html = page(client, FIRMS + query)
    firms = (cast.firm_a1, cast.firm_a2, cast.firm_b1)
    return {firm.name for firm in firms if firm.name in html}


def test_manager_changelist_lists_only_own_tenants_firms(cast, client):
    client.force_login(cast.manager_a)
    assert firm_names_listed(client, cast) == {cast.firm_a1.name, cast.firm_a2.name}

    client.force_login(cast.manager_b)
    assert firm_names_listed(client, cast) == {cast.firm_b1.name}


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_other_tenants_firm_pages_answer_404(cast, view):
    assert_hidden_from(cast.manager_a, firm_url(cast.firm_b1, view))
    assert_visible_to(cast.manager_a, firm_url(cast.firm_a1, view))


def test_bulk_delete_action_cannot_reach_other_tenants_firm(cast, client):
    client.force_login(cast.manager_a)
    client.post(
        FIRMS, {"action": "delete_selected", "_selected_action": [cast.firm_b1.pk], "post": "yes"}
    )
    with all_tenants():
        assert PartnerFirm.objects.filter(pk=cast.firm_b1.pk).exists()


def test_contact_add_form_offers_only_own_tenants_firms(cast, client):
    client.force_login(cast.manager_a)
    html = page(client, CONTACTS + "add/")
    assert f'<option value="{cast.firm_a1.pk}">{cast.firm_a1.name}</option>' in html
    assert f'<option value="{cast.firm_a2.pk}">{cast.firm_a2.name}</option>' in html
    assert f'<option value="{cast.firm_b1.pk}"' not in html
    assert cast.firm_b1.name not in html


def test_contact_add_with_other_tenants_firm_is_refused(cast, client):
    client.force_login(cast.manager_a)
    email = "intruder@new.test"
    response = client.post(
        CONTACTS + "add/", {"firm": cast.firm_b1.pk, "email": email, "role": "partner_rep"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with all_tenants():
        assert not PartnerContact.objects.filter(user__email=email).exists()
    assert not get_user_model().objects.filter(email=email).exists()


@pytest.mark.django_db(transaction=True)  # the invitation is sent when the request commits
def test_contact_add_invites_new_person_into_own_tenant(cast, client, mailoutbox):
    client.force_login(cast.manager_a)
    email = "newrep@sparkline.test"
    response = client.post(
        CONTACTS + "add/", {"firm": cast.firm_a1.pk, "email": email, "role": "partner_rep"}
    )
    assert response.status_code == 302
    with all_tenants():
        # loaded inside the scope: on PostgreSQL row-level security hides a lazy load outside
        contact = PartnerContact.objects.select_related("tenant", "firm", "user").get(
            user__email=email
        )
    assert (contact.tenant, contact.firm) == (cast.tenant_a, cast.firm_a1)
    assert not contact.user.has_usable_password()
    assert [m.to for m in mailoutbox] == [[email]]


def test_firm_add_ignores_posted_tenant_and_uses_managers(cast, client):
    client.force_login(cast.manager_a)
    assert 'name="tenant"' not in page(client, FIRMS + "add/")
    response = client.post(
        FIRMS + "add/",
        {
            "name": "Smuggled Pty Ltd",
            "website": "",
            "country": "AU",
            "tenant": cast.tenant_b.pk,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302
    with all_tenants():
        assert PartnerFirm.objects.get(name="Smuggled Pty Ltd").tenant == cast.tenant_a


def firm_change_data(firm, contacts, **changes):
    data = {
        "name": firm.name,
        "website": firm.website,
        "country": firm.country,
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": str(len(contacts)),
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "0",
    }
    for i, contact in enumerate(contacts):
        data |= {
            f"contacts-{i}-id": contact.pk,
            f"contacts-{i}-firm": firm.pk,
            f"contacts-{i}-role": contact.role,
            f"contacts-{i}-is_active": "on",
        }
    return data | changes


def test_firm_edit_keeps_managers_tenant(cast, client):
    client.force_login(cast.manager_a)
    contacts = [cast.partner_admin_a1, cast.partner_rep_a1]
    data = firm_change_data(cast.firm_a1, contacts, name="Sparkline Group", tenant=cast.tenant_b.pk)
    response = client.post(firm_url(cast.firm_a1), data)
    assert response.status_code == 302
    with all_tenants():
        firm = PartnerFirm.objects.get(pk=cast.firm_a1.pk)
    assert (firm.name, firm.tenant) == ("Sparkline Group", cast.tenant_a)


def test_superuser_cannot_move_firm_away_from_its_contacts(cast, client):
    client.force_login(cast.superuser)
    contacts = [cast.partner_admin_a1, cast.partner_rep_a1]
    data = firm_change_data(cast.firm_a1, contacts, tenant=cast.tenant_b.pk)
    client.post(firm_url(cast.firm_a1), data)  # today: 302, saved
    with all_tenants():
        firm = PartnerFirm.objects.get(pk=cast.firm_a1.pk)
        contact_tenants = set(firm.contacts.values_list("tenant_id", flat=True))
    assert contact_tenants == {firm.tenant_id}


def test_finance_can_view_firms_but_not_add(cast, client):
    client.force_login(cast.finance_a)
    assert client.get(FIRMS).status_code == 200
    assert client.get(FIRMS + "add/").status_code == 403


@pytest.mark.parametrize("who", ["partner_rep_a1", "stranger"])
def test_non_staff_are_sent_to_admin_login(cast, client, who):
    person = getattr(cast, who)
    client.force_login(getattr(person, "user", person))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_staff_memberships_are_for_tenant_admins_and_scoped(cast, client):
    client.force_login(cast.manager_a)
    assert client.get("/admin/tenants/staffmembership/").status_code == 403

    client.force_login(cast.admin_a)
    html = page(client, "/admin/tenants/staffmembership/")
    assert cast.manager_a.email in html
    assert cast.manager_b.email not in html


def test_superuser_sees_all_tenants_and_can_filter_by_tenant(cast, client):
    client.force_login(cast.superuser)
    every_firm = {cast.firm_a1.name, cast.firm_a2.name, cast.firm_b1.name}
    assert firm_names_listed(client, cast) == every_firm
    query = f"?tenant__id__exact={cast.tenant_b.pk}"
    assert firm_names_listed(client, cast, query) == {cast.firm_b1.name}


def test_staff_of_two_tenants_switches_between_them(cast, client):
    both = UserFactory(email="consultant@both.test")
    StaffMembershipFactory(user=both, tenant=cast.tenant_a, role=StaffRole.MANAGER)
    StaffMembershipFactory(user=both, tenant=cast.tenant_b, role=StaffRole.MANAGER)
    client.force_login(both)

    client.post(f"/admin/switch-tenant/{cast.tenant_a.pk}/")
    assert firm_names_listed(client, cast) == {cast.firm_a1.name, cast.firm_a2.name}

    client.post(f"/admin/switch-tenant/{cast.tenant_b.pk}/")
    assert firm_names_listed(client, cast) == {cast.firm_b1.name}


def test_switch_to_tenant_without_membership_is_refused(cast, client):
    client.force_login(cast.manager_a)
    response = client.post(f"/admin/switch-tenant/{cast.tenant_b.pk}/")
    assert response.status_code == 404
    assert firm_names_listed(client, cast) == {cast.firm_a1.name, cast.firm_a2.name}


def test_api_key_token_is_shown_once_and_stored_only_as_hash(cast, client):
    client.force_login(cast.admin_a)
    response = client.post(
        "/admin/tenants/apikey/add/", {"name": "ERP order sync", "scopes": ["read"]}, follow=True
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    tokens = re.findall(r"prm_[0-9a-f]{16}_[\w-]+", shown)
    assert len(tokens) == 1
    _, lookup_id, secret = tokens[0].split("_", 2)
    with all_tenants():
        key = ApiKey.objects.get(name="ERP order sync")
    assert (key.tenant, key.lookup_id) == (cast.tenant_a, lookup_id)
    assert key.secret_hash != secret and secret not in key.secret_hash
    assert key.secret_hash == hash_api_secret(secret)
    assert tokens[0] in response.content.decode()
