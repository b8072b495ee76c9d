"""Payout details are checked when entered (portal, API), named per field, shown masked."""

from django.test import Client

from partners.models import PayoutProfile
from tenants.scope import tenant_scope

PAYOUT = "/simpro/portal/tax/payout/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save(cast, **data):
    fields = {"method": "bank_transfer", "account_holder": "Sparkline Pty Ltd", **data}
    return signed_in(cast.partner_admin_a1.user).post(PAYOUT, fields)


def profile(cast) -> PayoutProfile | None:
    with tenant_scope(cast.tenant_a):
        return PayoutProfile.objects.filter(firm=cast.firm_a1).first()


def test_a_mistyped_iban_is_refused_naming_the_field_and_keeping_the_rest(cast):
    response = save(cast, account_reference="DE89 3704 0044 0532 0130 01", bic="COBADEFFXXX")

    html = response.content.decode()
    assert response.status_code == 400
    assert "The IBAN&#x27;s check digit is wrong: check it for a typing error." in html
    assert 'value="Sparkline Pty Ltd"' in html and 'value="COBADEFFXXX"' in html
    assert profile(cast) is None


def test_a_us_account_needs_a_routing_number_with_a_valid_checksum(cast):
    missing = save(cast, account_reference="000123456789")
    wrong = save(cast, account_reference="000123456789", routing_number="021000022")
    saved = save(cast, account_reference="0001-2345-6789", routing_number="021000021")

    assert missing.status_code == 400
    assert "Enter the 9-digit routing number" in missing.content.decode()
    assert wrong.status_code == 400
    assert "The routing number&#x27;s check digit is wrong" in wrong.content.decode()
    assert saved.status_code == 302
    stored = profile(cast)
    assert (stored.account_reference, stored.routing_number) == ("000123456789", "021000021")


def test_bad_bic_and_paypal_email_are_named(cast):
    bic = save(cast, account_reference="DE89370400440532013000", bic="COBAXXFF")
    paypal = save(cast, method="paypal", account_reference="not-an-email")

    assert "The BIC names an unknown country or bank code." in bic.content.decode()
    assert "Enter the e-mail address of the PayPal account." in paypal.content.decode()
    assert profile(cast) is None


def test_details_are_masked_in_the_portal_the_api_and_the_console(cast):
    save(cast, account_reference="000123456789", routing_number="021000021")
    portal = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/tax/").content.decode()
    api = signed_in(cast.partner_rep_a1.user).get(
        f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/payout-profile/"
    )
    console = signed_in(cast.finance_a).get(
        f"/admin/partners/payoutprofile/{profile(cast).pk}/change/"
    )

    assert "•••• 6789" in portal and "000123456789" not in portal
    assert api.json()["account_reference"] == "•••• 6789"
    assert api.json()["routing_number"] == "021000021"
    assert "•••• 6789" in console.content.decode()
    assert b"000123456789" not in console.content and b"000123456789" not in api.content


def test_the_api_refuses_a_bad_iban_with_the_field_named(cast):
    response = signed_in(cast.partner_admin_a1.user).post(
        f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/payout-profile/update/",
        {"method": "bank_transfer", "account_holder": "S", "account_reference": "GB00XXXX"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "account_reference" in response.json()["error"]["fields"]
    assert profile(cast) is None


def test_another_firm_cannot_set_or_read_the_details(cast):
    save(cast, account_reference="000123456789", routing_number="021000021")
    url = f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/payout-profile/"

    assert signed_in(cast.partner_rep_a2.user).get(url).status_code == 404
    assert signed_in(cast.partner_rep_b1.user).get(url).status_code == 404
