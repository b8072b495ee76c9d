"""Recompute the stored normal forms by the new rules, and grade the recorded conflicts.

Domains become registrable domains by the Public Suffix List, empty for free mail
(gmail.com), so no open registration keeps a conflict that only shared one. Decided
registrations keep their conflicts as written: they are the evidence of the decision.
"""

from django.db import migrations

from deals.matching import compare_prospects, name_key, name_similarity, normalize_domain

BATCH = 2000
OPEN = ("submitted", "under_review")


def _in_batches(queryset, fields, recompute):
    # keyset pages, each read whole before it is written: SQLite does not isolate a
    # running SELECT from writes to the same table on the same connection
    last = 0
    while page := list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH]):
        last = page[-1].pk
        changed = [row for row in page if recompute(row)]
        queryset.model.objects.bulk_update(changed, fields)


def recompute_normal_forms(apps, schema_editor):
    registrations = apps.get_model("deals", "DealRegistration").objects.all()
    customers = apps.get_model("deals", "Customer").objects.all()

    def registration(row):
        before = (row.normalized_domain, row.name_key)
        row.normalized_domain = normalize_domain(row.domain) or normalize_domain(row.contact_email)
        row.name_key = name_key(row.normalized_name)
        return (row.normalized_domain, row.name_key) != before

    def customer(row):
        before = (row.normalized_domain, row.name_key)
        row.normalized_domain = normalize_domain(row.domain)
        row.name_key = name_key(row.normalized_name)
        return (row.normalized_domain, row.name_key) != before

    _in_batches(registrations, ["normalized_domain", "name_key"], registration)
    _in_batches(customers, ["normalized_domain", "name_key"], customer)


def grade_conflicts(apps, schema_editor):
    Match = apps.get_model("deals", "RegistrationMatch")
    matches = Match.objects.select_related("registration", "other_registration", "customer")
    gone = []

    def grade(match):
        mine, other = match.registration, match.other_registration or match.customer
        likeness = compare_prospects(
            name=mine.normalized_name,
            domain=mine.normalized_domain,
            country=mine.country,
            other_name=other.normalized_name,
            other_domain=other.normalized_domain,
            other_country=other.country,
        )
        match.strong = bool(likeness and likeness.strong)
        match.similarity = name_similarity(mine.normalized_name, other.normalized_name)
        if mine.status in OPEN:
            if likeness is None:
                gone.append(match.pk)
            else:
                match.explanation = likeness.reason[:300]
        return True

    _in_batches(matches, ["strong", "similarity", "explanation"], grade)
    for start in range(0, len(gone), BATCH):
        Match.objects.filter(pk__in=gone[start : start + BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_company_domains_and_similar_names")]

    operations = [
        migrations.RunPython(recompute_normal_forms, migrations.RunPython.noop),
        migrations.RunPython(grade_conflicts, migrations.RunPython.noop),
    ]
