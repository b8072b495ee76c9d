"""Lists read as rows (tenants/api_rows.py) answer the serializer's JSON, field for field.

Every list endpoint built on RowListApi is found from the URL resolver, walked page by
page as a partner, a manager and an API key over the demo vendors, and each page compared
with its serializer's output for the same records read as model instances. The partner's
pages hold only the partner's firm; another vendor's records appear to nobody.
"""

import copy
import datetime
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from deals.api.registrations import REGISTRATION_ROWS, RegistrationOutput
from deals.models import DealRegistration
from partners.models import PartnerContact
from tenants.api_rows import Computed, RowListApi, Rows
from tenants.models import ApiKeyScope, Tenant
from tenants.scope import all_tenants, tenant_scope
from tenants.services import api_key_create

VENDOR, OTHER_VENDOR = "cimcloud", "simpro"


def row_lists(resolver=None, prefix: str = ""):
    """(path, view class) of every RowListApi endpoint the resolver knows."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from row_lists(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", None) or getattr(
                entry.callback, "cls", None
            )
            if view is not None and issubclass(view, RowListApi):
                yield prefix + str(entry.pattern), view


def test_the_resolver_has_the_row_lists():
    views = {view.__name__ for _, view in row_lists()}
    assert {"RegistrationListApi", "CommissionLineListApi"} <= views


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    vendor = Tenant.objects.get(slug=VENDOR)
    with tenant_scope(vendor):
        key = api_key_create(tenant=vendor, name="rows", scopes=ApiKeyScope.values)[1]
        # a record with every optional field empty, and one with a value in a
        # zero-decimal currency, so nulls and exponents are compared too
        partner = PartnerContact.objects.get(user__email=f"admin1@partner.{VENDOR}.demo")
        sample = DealRegistration.objects.filter(firm=partner.firm).order_by("pk").first()
        DealRegistration.objects.filter(pk=sample.pk).update(
            estimated_value_minor=None, expected_close_on=None, approved_on=None
        )
        other = DealRegistration.objects.filter(firm=partner.firm).order_by("-pk").first()
        DealRegistration.objects.filter(pk=other.pk).update(
            estimated_value_minor=1234567, currency="JPY"
        )
        # more than a page of them, so the cursor is followed over rows too
        mine = list(DealRegistration.objects.filter(firm=partner.firm).order_by("pk"))
        clones = []
        for n in range(60):
            clone = copy.copy(mine[n % len(mine)])
            clone.pk, clone.external_id = None, ""
            clone.company_name = f"{clone.company_name} {n}"
            clone.submitted_at -= datetime.timedelta(hours=n)
            clones.append(clone)
        DealRegistration.objects.bulk_create(clones)
    return vendor, key


def clients(key: str) -> dict[str, Client]:
    personas = {}
    for name, email in (
        ("partner", f"admin1@partner.{VENDOR}.demo"),
        ("manager", f"manager@{VENDOR}.demo"),
    ):
        with all_tenants():
            user = get_user_model().objects.get(email=email)
        personas[name] = Client()
        personas[name].force_login(user)
    personas["api_key"] = Client(headers={"Authorization": f"Api-Key {key}"})
    return personas


def pages(client: Client, url: str, limit: int = 5):
    while url and limit:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        yield body["results"]
        url, limit = body["next"], limit - 1


def as_serialized(view, ids: list[int], vendor: Tenant) -> list[dict]:
    """What the view's serializer says of these records, read as model instances."""
    model = view.serializer_class.Meta.model
    with tenant_scope(vendor):
        by_id = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
        data = view.serializer_class([by_id[pk] for pk in ids], many=True).data
    return json.loads(JSONRenderer().render(data))


@pytest.mark.django_db
def test_every_row_list_answers_its_serializers_json(demo):
    vendor, key = demo
    with all_tenants():
        partner = PartnerContact.objects.get(user__email=f"admin1@partner.{VENDOR}.demo")
        other_vendor = Tenant.objects.get(slug=OTHER_VENDOR)
    personas = clients(key)
    compared = {}
    for route, view in row_lists():
        url = "/" + route.replace("<slug:tenant_slug>", VENDOR)
        model = view.serializer_class.Meta.model
        with all_tenants():
            outsiders = set(
                model._base_manager.filter(tenant=other_vendor).values_list("pk", flat=True)
            )
        for persona, client in personas.items():
            for results in pages(client, url):
                ids = [row["id"] for row in results]
                assert results == as_serialized(view, ids, vendor), (route, persona)
                assert not outsiders & set(ids), (route, persona)
                if persona == "partner":
                    with tenant_scope(vendor):
                        firms = set(model.objects.filter(pk__in=ids).values_list("firm", flat=True))
                    assert firms <= {partner.firm_id}, route
                compared[(view.__name__, persona)] = compared.get(
                    (view.__name__, persona), 0
                ) + len(results)
    assert min(compared.values()) > 0, compared  # real pages, not empty ones
    assert all(compared["RegistrationListApi", who] > 60 for who in personas), compared


@pytest.mark.django_db
def test_the_registration_rows_keep_nulls_and_the_currencys_decimals(demo):
    _vendor, key = demo
    client = clients(key)["partner"]
    rows = [r for page in pages(client, f"/{VENDOR}/api/v1/deal-registrations/") for r in page]
    assert any(r["estimated_value"] is None and r["expected_close_on"] is None for r in rows)
    assert any(r["estimated_value"] == "1234567" and r["currency"] == "JPY" for r in rows)


class _WithProperty(serializers.ModelSerializer):
    class Meta:
        model = DealRegistration
        fields = ("id", "pk")


class _WithRelatedText(RegistrationOutput):
    program = serializers.StringRelatedField()


def test_a_field_that_reads_no_column_must_be_declared():
    with pytest.raises(ValueError, match="reads no column"):
        Rows(_WithProperty)
    with pytest.raises(ValueError, match="program"):
        Rows(_WithRelatedText, firm=Computed(("firm__name",), lambda row: row["firm__name"]))
    with pytest.raises(ValueError, match="no fields"):
        Rows(RegistrationOutput, nonsense=Computed((), lambda row: None))


class _NumberedRegistrations(RowListApi):
    """A row list paged by number (no cursor fields): unit-tested without a route."""

    authentication_classes = permission_classes = throttle_classes = ()
    serializer_class = RegistrationOutput
    rows = REGISTRATION_ROWS
    pagination_class = PageNumberPagination

    def get_queryset(self):
        return DealRegistration.objects.order_by("pk")


@pytest.mark.django_db
def test_a_numbered_row_list_pages_and_counts_as_its_serializer_would(demo):
    vendor, _key = demo
    with tenant_scope(vendor):
        response = _NumberedRegistrations.as_view()(APIRequestFactory().get("/rows/?page=2"))
        response.render()
        body = json.loads(response.content)
        total = DealRegistration.objects.count()
    ids = [row["id"] for row in body["results"]]
    assert body["count"] == total > 50 and body["previous"] is not None
    assert body["results"] == as_serialized(_NumberedRegistrations, ids, vendor)
