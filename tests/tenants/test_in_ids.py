"""`field__in_ids=`: the id filter every whole-program run uses (tenants/bulk.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import PartnerContact, PartnerFirm
from tenants.scope import tenant_scope


def test_in_ids_finds_the_ids_given_in_the_scope_only(cast):
    wanted = (cast.firm_a1.pk, cast.firm_b1.pk, cast.firm_a1.pk)  # B's firm: another vendor's
    with tenant_scope(cast.tenant_a):
        names = set(PartnerFirm.objects.filter(pk__in_ids=wanted).values_list("name", flat=True))
    assert names == {"Sparkline Pty Ltd"}


def test_in_ids_reads_a_generator_once_and_the_query_runs_again(cast):
    with tenant_scope(cast.tenant_a):
        firms = PartnerFirm.objects.filter(pk__in_ids=(f.pk for f in (cast.firm_a1, cast.firm_a2)))
        assert firms.count() == 2
        assert sorted(firms.values_list("name", flat=True)) == [
            "Kiwi Trade Tech",
            "Sparkline Pty Ltd",
        ]


def test_in_ids_on_a_foreign_key_and_across_a_join(cast):
    with tenant_scope(cast.tenant_a):
        by_key = PartnerContact.objects.filter(firm_id__in_ids=[cast.firm_a2.pk])
        both_vendors = {cast.tenant_a.pk, cast.tenant_b.pk}
        across = PartnerContact.objects.filter(firm__tenant_id__in_ids=both_vendors)
        assert [c.user.email for c in by_key] == ["rep@kiwi.test"]
        assert sorted(c.user.email for c in across) == [  # B's contact stays out of A's scope
            "admin@sparkline.test",
            "rep@kiwi.test",
            "rep@sparkline.test",
        ]


def test_no_ids_match_nothing_without_a_query(cast):
    with tenant_scope(cast.tenant_a), CaptureQueriesContext(connection) as queries:
        assert list(PartnerFirm.objects.filter(pk__in_ids=[])) == []
        assert PartnerFirm.objects.filter(pk__in_ids=iter(())).update(name="renamed") == 0
    assert len(queries) == 0


def test_on_postgresql_the_ids_are_one_array_parameter(cast):
    many = [cast.firm_a1.pk, *range(10**6, 10**6 + 5000)]
    with tenant_scope(cast.tenant_a), CaptureQueriesContext(connection) as queries:
        assert PartnerFirm.objects.filter(pk__in_ids=many).count() == 1
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "IN (" not in sql  # one literal, estimated by its length
    else:
        assert sql.count("1000001") == 1  # a plain IN list
