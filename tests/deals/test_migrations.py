"""The data migration that recomputes company domains and grades recorded conflicts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenants.scope import all_tenants
from tests.factories import PartnerFirmFactory, TenantFactory

BEFORE = [("deals", "0002_registration_firm_recent")]
AFTER = [("deals", "0004_recompute_company_domains")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Every later test runs on the full schema again, whatever this one migrated to."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_free_mail_domains_become_empty_and_their_open_conflicts_go(latest_schema_after):
    # as `manage.py migrate` does (tenants/rls.py): the migration sees every vendor's rows
    with all_tenants():
        apps = migrate(BEFORE)
        try:
            Program = apps.get_model("programs", "Program")
            Registration = apps.get_model("deals", "DealRegistration")
            Customer = apps.get_model("deals", "Customer")
            Match = apps.get_model("deals", "RegistrationMatch")
            tenant = TenantFactory(slug="simpro", name="Simpro")
            outsider = TenantFactory(slug="ipsoft", name="IPsoft")
            program = Program.objects.create(
                tenant_id=tenant.pk, slug="p", name="P", currency="AUD"
            )
            firm_1, firm_2 = (PartnerFirmFactory(tenant=tenant, name=n) for n in ("F1", "F2"))

            def registration(name, status, firm, email="", domain="", old="gmail.com", on=tenant):
                return Registration.objects.create(
                    tenant_id=on.pk,
                    program=program,
                    firm_id=firm.pk,
                    lead_source="partner",
                    company_name=name,
                    normalized_name=name.lower(),
                    domain=domain,
                    normalized_domain=old,  # what the two-label rule stored
                    contact_email=email,
                    country="AU",
                    currency="AUD",
                    status=status,
                )

            harbour = registration("Harbour", "approved", firm_1, "jane@gmail.com")
            kelp = registration("Kelp", "submitted", firm_2, "bob@gmail.com")
            rejected = registration("Reef", "rejected", firm_2, "amy@gmail.com")
            acme = registration("Acme", "approved", firm_1, domain="www.acme.co.uk", old="co.uk")
            acme_2 = registration("Acme", "submitted", firm_2, "jo@sales.acme.co.uk", old="co.uk")
            theirs = registration("Kelp", "submitted", firm_1, "x@gmail.com", on=outsider)
            customer = Customer.objects.create(
                tenant_id=tenant.pk,
                name="Bob",
                normalized_name="bob",
                normalized_domain="bücher.de",
            )
            Customer.objects.filter(pk=customer.pk).update(domain="BÜCHER.de")
            for mine, other in ((kelp, harbour), (rejected, harbour), (acme_2, acme)):
                Match.objects.create(
                    tenant_id=tenant.pk,
                    registration=mine,
                    kind="opportunity",
                    other_registration=other,
                    explanation="same domain (gmail.com)",
                )
        finally:
            apps = migrate(AFTER)
        Registration = apps.get_model("deals", "DealRegistration")
        Match = apps.get_model("deals", "RegistrationMatch")
        domains = dict(Registration.objects.values_list("pk", "normalized_domain"))
        assert [domains[r.pk] for r in (harbour, kelp, rejected, acme, acme_2, theirs)] == [
            "",
            "",
            "",
            "acme.co.uk",
            "acme.co.uk",
            "",
        ]
        assert Registration.objects.get(pk=kelp.pk).name_key == "kelp"
        assert apps.get_model("deals", "Customer").objects.get().normalized_domain == (
            "xn--bcher-kva.de"
        )
        matches = {m.registration_id: m for m in Match.objects.all()}
        assert kelp.pk not in matches  # open, and gmail.com was all it shared
        assert (
            matches[rejected.pk].explanation == "same domain (gmail.com)"
        )  # the decision's record
        assert not matches[rejected.pk].strong
        assert (matches[acme_2.pk].strong, matches[acme_2.pk].explanation) == (
            True,
            "Same company domain acme.co.uk; Same name and country: 'acme' in AU",
        )
