"""Strict input, the same through the API, the portal forms and the CSV import (issue 16, 6).

Countries and territories are ISO 3166 (ZZ and XX are not), dates fall in a range per field,
control and bidi characters are refused, names cannot start a formula, and every text field
has one length limit, refused out loud and never cut. Nothing of a refused input is stored.
"""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from rest_framework import serializers

from deals.api.orders import CustomerUpsertInput
from deals.api.registrations import ReasonInput, RegistrationInput, RejectInput, SalesActivityInput
from deals.forms import ExtensionForm, RegistrationForm, SalesActivityForm
from deals.imports_registrations import REGISTRATION_COLUMNS
from deals.models import Customer, DealRegistration, SalesActivity
from partners.api.enrolments import ApplicationInput
from partners.models import Application, PartnerFirm
from tenants.scope import tenant_scope
from tenants.validation import TEXT_MAX_LENGTH
from tests.api.conftest import assert_error_shape, post_json
from tests.deals.test_imports import as_csv
from tests.factories import UserFactory
from tests.partners.conftest import load_program

API = "/simpro/api/v1/deal-registrations/"
PORTAL_NEW = "/simpro/portal/deals/new/"
PORTAL_IMPORT = "/simpro/portal/deals/import/"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
RLM = "\u200f"  # RIGHT-TO-LEFT MARK: allowed


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored(tenant) -> list[DealRegistration]:
    with tenant_scope(tenant):
        return list(DealRegistration.objects.all())


def register_by_api(contact, **fields):
    body = {"company_name": "Acme Plumbing", "country": "AU"} | fields
    return post_json(
        signed_in(contact.user), f"/{contact.tenant.slug}/api/v1/deal-registrations/", body
    )


def close_range() -> tuple[str, str]:
    today = timezone.localdate()
    return (
        f"{today - datetime.timedelta(days=7):%Y-%m-%d}",
        f"{today + datetime.timedelta(days=5 * 365):%Y-%m-%d}",
    )


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("close", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_api_refuses_a_close_date_outside_its_range_and_says_the_range(deals_cast, close):
    response = register_by_api(deals_cast.partner_admin_a1, expected_close_on=close)
    error = assert_error_shape(response, 400)
    earliest, latest = close_range()
    assert error["fields"]["expected_close_on"] == [
        f"Expected close date must be between {earliest} and {latest}."
    ]
    assert stored(deals_cast.tenant_a) == []


def test_api_takes_a_close_date_inside_the_range(deals_cast):
    in_a_year = timezone.localdate() + datetime.timedelta(days=365)
    response = register_by_api(deals_cast.partner_admin_a1, expected_close_on=f"{in_a_year}")
    assert response.status_code == 201, response.content
    assert [r.expected_close_on for r in stored(deals_cast.tenant_a)] == [in_a_year]


@pytest.mark.parametrize("country", ["ZZ", "XX", "zz", "EU", "XK"])
def test_api_refuses_a_country_iso_3166_does_not_have(deals_cast, country):
    error = assert_error_shape(register_by_api(deals_cast.partner_admin_a1, country=country), 400)
    assert list(error["fields"]) == ["country"]
    assert "is not a country in ISO 3166" in error["fields"]["country"][0]
    assert stored(deals_cast.tenant_a) == []


def test_api_takes_a_lower_case_iso_country_and_stores_it_in_capitals(deals_cast):
    assert register_by_api(deals_cast.partner_admin_a1, country="nz").status_code == 201
    assert [r.country for r in stored(deals_cast.tenant_a)] == ["NZ"]


@pytest.mark.parametrize("bidi", [RLO, LRI, "\u202a", "\u2069"])
@pytest.mark.parametrize("field", ["company_name", "contact_name", "notes", "products"])
def test_api_refuses_bidi_override_and_isolate_characters_naming_the_field(deals_cast, bidi, field):
    value = f"Acme{bidi}gnp.exe"
    response = register_by_api(deals_cast.partner_admin_a1, **{field: value})
    error = assert_error_shape(response, 400)
    assert list(error["fields"]) == [field]
    assert "bidirectional" in error["fields"][field][0]
    assert stored(deals_cast.tenant_a) == []


def test_right_to_left_marks_are_ordinary_text(deals_cast):
    name = f"שלום{RLM} 2000 בע״מ"
    assert register_by_api(deals_cast.partner_admin_a1, company_name=name).status_code == 201
    assert [r.company_name for r in stored(deals_cast.tenant_a)] == [name]


@pytest.mark.parametrize("field", ["company_name", "contact_name"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_api_refuses_a_name_that_a_spreadsheet_would_run(deals_cast, field, start):
    value = f'{start}HYPERLINK("http://evil.example","Acme")'
    error = assert_error_shape(register_by_api(deals_cast.partner_admin_a1, **{field: value}), 400)
    assert list(error["fields"]) == [field]
    assert "formula" in error["fields"][field][0]
    assert stored(deals_cast.tenant_a) == []


def test_notes_may_start_with_a_dash_they_are_not_a_name(deals_cast):
    notes = "- met at the trade show\n- wants a demo"
    assert register_by_api(deals_cast.partner_admin_a1, notes=notes).status_code == 201
    assert [r.notes for r in stored(deals_cast.tenant_a)] == [notes]


def test_over_long_notes_are_refused_not_cut(deals_cast):
    contact = deals_cast.partner_admin_a1
    error = assert_error_shape(register_by_api(contact, notes="x" * (TEXT_MAX_LENGTH + 1)), 400)
    assert list(error["fields"]) == ["notes"]
    assert str(TEXT_MAX_LENGTH) in error["fields"]["notes"][0]
    assert stored(deals_cast.tenant_a) == []
    response = register_by_api(contact, notes="x" * TEXT_MAX_LENGTH)
    assert response.status_code == 201
    assert [len(r.notes) for r in stored(deals_cast.tenant_a)] == [TEXT_MAX_LENGTH]


def test_two_megabytes_of_notes_are_refused(deals_cast):
    # under Django's 2.5 MB body limit, so the field's own limit answers, naming it
    response = register_by_api(deals_cast.partner_admin_a1, notes="x" * 2_000_000)
    assert list(assert_error_shape(response, 400)["fields"]) == ["notes"]
    assert stored(deals_cast.tenant_a) == []


def test_an_application_by_api_refuses_territory_xx_and_country_zz_naming_them(db):
    tenant, _ = load_program("simpro")
    client = signed_in(UserFactory(email="api@bluebird.test"))
    body = {
        "program": "partner-program",
        "firm_name": "Bluebird",
        "country": "ZZ",
        "territories": ["AU", "XX"],
        "tracks": ["referral"],
        "accept_agreement": True,
    }
    error = assert_error_shape(post_json(client, "/simpro/api/v1/applications/", body), 400)
    assert set(error["fields"]) == {"territories", "country"}
    assert "Territory 'XX' is not a country in ISO 3166" in error["fields"]["territories"][0]
    assert "'ZZ' is not a country in ISO 3166" in error["fields"]["country"][0]
    with tenant_scope(tenant):
        assert not Application.objects.exists()


def test_an_outsider_cannot_register_at_another_vendor(deals_cast):
    # the IPsoft partner posting to Simpro's API: no registration appears anywhere
    response = post_json(
        signed_in(deals_cast.partner_rep_b1.user), API, {"company_name": "Acme", "country": "AU"}
    )
    assert response.status_code in (403, 404)
    assert stored(deals_cast.tenant_a) == [] and stored(deals_cast.tenant_b) == []


# --- the portal forms ---------------------------------------------------------------------


def test_portal_form_names_every_bad_field_and_stores_nothing(deals_cast):
    response = signed_in(deals_cast.partner_admin_a1.user).post(
        PORTAL_NEW,
        {
            "company_name": "=cmd|' /C calc'!A0",
            "contact_name": f"Jo{RLO}nhoJ",
            "country": "ZZ",
            "notes": "x" * (TEXT_MAX_LENGTH + 1),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"company_name", "contact_name", "country", "notes"}
    assert "formula" in errors["company_name"][0]
    assert "bidirectional" in errors["contact_name"][0]
    assert "'ZZ' is not a country in ISO 3166" in errors["country"][0]
    assert f"at most {TEXT_MAX_LENGTH} characters" in errors["notes"][0]
    assert stored(deals_cast.tenant_a) == []


def test_portal_form_says_the_close_date_range(deals_cast):
    response = signed_in(deals_cast.partner_admin_a1.user).post(
        PORTAL_NEW, {"company_name": "Acme", "country": "AU", "expected_close_on": "9999-12-31"}
    )
    earliest, latest = close_range()
    assert f"Expected close date must be between {earliest} and {latest}." in response.text
    assert stored(deals_cast.tenant_a) == []


def test_portal_application_refuses_territory_xx(db):
    load_program("simpro")
    response = signed_in(UserFactory(email="new@bluebird.test")).post(
        "/simpro/portal/apply/",
        {
            "firm_name": "@SUM(1+1)",
            "country": "ZZ",
            "territories": "AU, XX",
            "tracks": ["service-providers"],
            "accept_agreement": "on",
        },
    )
    errors = response.context["form"].errors
    assert "Territory 'XX' is not a country in ISO 3166" in errors["territories"][0]
    assert "'ZZ' is not a country in ISO 3166" in errors["country"][0]
    assert "formula" in errors["firm_name"][0]


# --- the CSV import -----------------------------------------------------------------------


def leads(*changes: dict) -> bytes:
    in_a_quarter = timezone.localdate() + datetime.timedelta(days=90)
    rows = [
        {
            "external_id": f"L-{i}",
            "company_name": f"Prospect {i} Pty Ltd",
            "domain": f"prospect{i}.com.au",
            "country": "AU",
            "contact_name": "Jo Citizen",
            "contact_email": f"jo@prospect{i}.com.au",
            "products": "simPRO Enterprise",
            "estimated_value": "12500.00",
            "expected_close_on": f"{in_a_quarter:%Y-%m-%d}",
            "notes": "Met at the trade show",
        }
        | change
        for i, change in enumerate(changes, start=1)
    ]
    return as_csv(REGISTRATION_COLUMNS, rows)


@pytest.mark.parametrize(
    ("change", "column", "says"),
    [
        ({"country": "ZZ"}, "country", "'ZZ' is not a country in ISO 3166"),
        ({"company_name": f"Acme{RLO}"}, "company_name", "bidirectional"),
        ({"notes": "x" * (TEXT_MAX_LENGTH + 1)}, "notes", f"at most {TEXT_MAX_LENGTH}"),
        ({"expected_close_on": "9999-12-31"}, "expected_close_on", "Expected close date must"),
    ],
)
def test_import_with_one_bad_row_names_row_and_column_and_stores_nothing(
    deals_cast, change, column, says
):
    data = leads({}, change, {})
    upload = SimpleUploadedFile("leads.csv", data, content_type="text/csv")
    response = signed_in(deals_cast.partner_admin_a1.user).post(PORTAL_IMPORT, {"file": upload})
    assert response.status_code == 200
    assert "Nothing was registered" in response.text
    assert f"<td>3</td><td>{column}</td>" in response.text  # row 3: the second data row
    assert escape(says) in response.text
    assert stored(deals_cast.tenant_a) == []


def test_a_clean_import_still_stores_every_row(deals_cast):
    upload = SimpleUploadedFile("leads.csv", leads({}, {}), content_type="text/csv")
    response = signed_in(deals_cast.partner_admin_a1.user).post(
        PORTAL_IMPORT, {"file": upload}, follow=True
    )
    assert "2 created" in response.text
    assert len(stored(deals_cast.tenant_a)) == 2


# --- the model, the console's path --------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields", "bad"),
    [
        (PartnerFirm, {"name": "+Acme"}, "name"),
        (PartnerFirm, {"name": "Acme", "country": "ZZ"}, "country"),
        (Customer, {"name": "@Acme", "normalized_name": "acme"}, "name"),
    ],
)
def test_the_model_itself_refuses_what_forms_and_api_refuse(cast, model, fields, bad):
    record = model(tenant=cast.tenant_a, **fields)
    with pytest.raises(ValidationError) as refused:
        record.full_clean(exclude=["tenant"])
    assert bad in refused.value.message_dict


# --- one length per field -----------------------------------------------------------------

# every portal form and API serializer that writes a model's text fields, with that model;
# a field named differently from the model's is mapped
INPUTS = [
    (RegistrationForm(), DealRegistration, {}),
    (ExtensionForm(), DealRegistration, {"reason": "extension_reason"}),
    (SalesActivityForm(), SalesActivity, {}),
    (RegistrationInput(), DealRegistration, {}),
    (ReasonInput(), DealRegistration, {"reason": "decision_reason"}),
    (RejectInput(), DealRegistration, {"reason": "rejection_reason", "note": "decision_reason"}),
    (SalesActivityInput(), SalesActivity, {}),
    (ApplicationInput(), Application, {}),
    (CustomerUpsertInput(), Customer, {}),
]


def _text_fields(form_or_serializer):
    """(name, field) of every free-text input: CharFields, not e-mail, URL, slug or choices."""
    for name, field in form_or_serializer.fields.items():
        if (
            isinstance(field, forms.CharField)
            and not isinstance(field, forms.EmailField | forms.URLField)
        ) or (
            isinstance(field, serializers.CharField)
            and not isinstance(
                field, serializers.EmailField | serializers.URLField | serializers.SlugField
            )
        ):
            yield name, field


def test_every_form_and_serializer_text_field_has_its_models_length():
    checked = []
    for form_or_serializer, model, renamed in INPUTS:
        text_fields = {
            f.name: f
            for f in model._meta.fields
            if isinstance(f, models.CharField | models.TextField)
        }
        for name, field in _text_fields(form_or_serializer):
            model_field = text_fields.get(renamed.get(name, name))
            if model_field is None:
                continue  # an input no model field stores as typed (e.g. a program's slug)
            where = f"{type(form_or_serializer).__name__}.{name}"
            assert model_field.max_length is not None, f"{model.__name__}.{model_field.name}"
            assert field.max_length == model_field.max_length, (
                f"{where}: {field.max_length}; the model's {model.__name__}.{model_field.name}: "
                f"{model_field.max_length}"
            )
            checked.append(where)
    assert len(checked) >= 24, checked  # the walk really walked
