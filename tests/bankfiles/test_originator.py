"""Finance enters the vendor's bank originator in the console; its numbers are checked."""

from django.test import Client

from commissions.bankfiles.models import BankOriginator
from tenants.scope import tenant_scope

ADD = "/admin/commissions/bankoriginator/add/"
VALID = {
    "name": "Simpro Software Pty Ltd",
    "ach_company_id": "1123456789",
    "ach_odfi_routing": "121000358",
    "ach_odfi_name": "Bank of America",
    "ach_entry_description": "PAYOUT",
    "sepa_iban": "",
    "sepa_bic": "",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def originators(tenant) -> list[BankOriginator]:
    with tenant_scope(tenant):
        return list(BankOriginator.objects.all())


def test_finance_enters_the_originator_and_a_bad_routing_number_is_named(cast):
    refused = signed_in(cast.finance_a).post(ADD, {**VALID, "ach_odfi_routing": "121000359"})
    saved = signed_in(cast.finance_a).post(ADD, VALID)

    assert refused.status_code == 200
    assert "The routing number&#x27;s check digit is wrong" in refused.content.decode()
    assert saved.status_code == 302
    [originator] = originators(cast.tenant_a)
    assert (originator.name, originator.ach_ready, originator.sepa_ready) == (
        VALID["name"],
        True,
        False,
    )
    assert originators(cast.tenant_b) == []
    assert signed_in(cast.finance_a).get(ADD).status_code == 403  # one per vendor


def test_managers_read_but_do_not_enter_the_originator(cast):
    assert signed_in(cast.manager_a).post(ADD, VALID).status_code == 403
    assert originators(cast.tenant_a) == []
