"""Programs, a program's versions and one's own applications answer a page at a time.

Each list is the standard page (`{"count", "next", "previous", "results"}`, 50 rows), in
a total order so that following `next` lists every row once; outsiders see none of it;
and a request costs the same queries with 2 rows as with 12.
"""

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners.models import Application, ApplicationStatus
from programs.models import Program, ProgramVersion
from tenants.scope import tenant_scope
from tests.factories import UserFactory
from tests.isolation import assert_hidden_from

DEFINITIONS = Path(__file__).resolve().parents[2] / "programs" / "definitions"
PROGRAMS = "/simpro/api/v1/programs/"
VERSIONS = "/simpro/api/v1/programs/partner-program/versions/"
APPLICATIONS = "/simpro/api/v1/applications/"
NOON = datetime.datetime(2025, 4, 15, 12, tzinfo=datetime.UTC)
# all on 15 April at NOON, so the list needs one day's versions whatever the mix
ZONES = ["Australia/Brisbane", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"]


@pytest.fixture
def seeded(cast):
    """Simpro's and IPsoft's programs loaded, v1 published; return Simpro's v1."""
    with time_machine.travel(NOON, tick=False):
        call_command(
            "load_programs",
            str(DEFINITIONS / "simpro.yaml"),
            str(DEFINITIONS / "ipsoft.yaml"),
            publish=True,
            stdout=io.StringIO(),
        )
        with tenant_scope(cast.tenant_a):
            v1 = ProgramVersion.objects.select_related("program", "tenant").get(
                program__slug="partner-program"
            )
        yield v1


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def version_fields(version: ProgramVersion) -> dict:
    return {
        field.attname: getattr(version, field.attname)
        for field in ProgramVersion._meta.concrete_fields
        if not field.primary_key
    }


def add_programs(v1: ProgramVersion, count: int, *, name: str = "Reseller Program") -> None:
    """`count` more programs of v1's vendor, all of one name, each with v1 in force."""
    with tenant_scope(v1.tenant):
        _add_programs(v1, count, name)


def _add_programs(v1: ProgramVersion, count: int, name: str) -> None:
    start = Program.objects.count()
    programs = Program.objects.bulk_create(
        Program(
            tenant=v1.tenant,
            slug=f"program-{start + n}",
            name=name,
            currency="AUD",
            time_zone=ZONES[n % len(ZONES)],
        )
        for n in range(count)
    )
    ProgramVersion.objects.bulk_create(
        ProgramVersion(**version_fields(v1) | {"program_id": program.pk}) for program in programs
    )


def add_versions(v1: ProgramVersion, count: int) -> None:
    """`count` more published versions of v1's program, a month apart, after the last."""
    with tenant_scope(v1.tenant):
        _add_versions(v1, count)


def _add_versions(v1: ProgramVersion, count: int) -> None:
    last = ProgramVersion.objects.filter(program=v1.program).order_by("-number").first()
    ProgramVersion.objects.bulk_create(
        ProgramVersion(
            **version_fields(v1)
            | {
                "number": last.number + n,
                "label": f"Edition {last.number + n}",
                "effective_from": last.effective_from + datetime.timedelta(days=31 * n),
            }
        )
        for n in range(1, count + 1)
    )


def add_applications(v1: ProgramVersion, user, count: int, *, firm_name: str = "Bluebird"):
    """`count` past (rejected) applications by `user`, all submitted at the same instant."""
    with tenant_scope(v1.tenant):
        _add_applications(v1, user, count, firm_name)


def _add_applications(v1: ProgramVersion, user, count: int, firm_name: str) -> None:
    Application.objects.bulk_create(
        Application(
            tenant=v1.tenant,
            program=v1.program,
            program_version=v1,
            applicant=user,
            firm_name=f"{firm_name} {n}",
            country="AU",
            status=ApplicationStatus.REJECTED,
        )
        for n in range(count)
    )


def every_page(client: Client, url: str) -> tuple[int, list[dict]]:
    """The list's count and its rows, following `next` from the first page to the last."""
    first = client.get(url)
    assert first.status_code == 200, first.content[:300]
    body = first.json()
    assert set(body) == {"count", "next", "previous", "results"}
    count, rows = body["count"], list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        rows += body["results"]
    return count, rows


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# programs


def test_programs_come_by_name_a_page_at_a_time_each_once(cast, seeded):
    add_programs(seeded, 55)  # 55 of one name: only the tiebreaker orders them
    client = signed_in(cast.partner_rep_a1.user)

    first = client.get(PROGRAMS).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (56, 50, None)
    assert first["next"].endswith("?page=2")
    count, programs = every_page(client, PROGRAMS)

    assert count == len(programs) == 56
    slugs = [p["slug"] for p in programs]
    assert len(set(slugs)) == 56
    assert programs[0]["name"] == "Reseller Program"
    assert programs[-1]["name"] == "Simpro Partner Program"
    assert {p["version_in_force"]["number"] for p in programs} == {1}


def test_programs_list_costs_the_same_queries_for_2_or_12_programs(cast, seeded):
    add_programs(seeded, 1)
    client = signed_in(cast.manager_a)
    client.get(PROGRAMS)  # the session's first read is not the list's cost
    few = queries_for(client, PROGRAMS)

    add_programs(seeded, 10)
    many = queries_for(client, PROGRAMS)

    assert client.get(PROGRAMS).json()["count"] == 12
    assert many == few


def test_each_program_shows_the_version_in_force_on_its_own_today(cast, seeded):
    add_programs(seeded, 2, name="Zone Program")  # Brisbane and Los Angeles
    with tenant_scope(cast.tenant_a):
        for program in Program.objects.filter(name="Zone Program"):
            v1 = ProgramVersion.objects.get(program=program)
            ProgramVersion.objects.create(
                **version_fields(v1) | {"number": 2, "effective_from": datetime.date(2025, 7, 1)}
            )
    # 20:00 UTC on 30 June is 1 July in Brisbane and still 30 June in Los Angeles
    with time_machine.travel(datetime.datetime(2025, 6, 30, 20, tzinfo=datetime.UTC)):
        programs = signed_in(cast.manager_a).get(PROGRAMS).json()["results"]

    in_force = {
        p["time_zone"]: p["version_in_force"]["number"]
        for p in programs
        if p["name"] == "Zone Program"
    }
    assert in_force == {"Australia/Brisbane": 2, "America/Los_Angeles": 1}


def test_another_vendors_programs_are_neither_listed_nor_open(cast, seeded):
    add_programs(seeded, 3)
    count, programs = every_page(signed_in(cast.manager_b), "/ipsoft/api/v1/programs/")
    assert count == 1
    assert [p["name"] for p in programs] == ["IPsoft Partner Program"]
    assert_hidden_from(cast.manager_b, PROGRAMS)
    assert_hidden_from(cast.partner_rep_b1.user, PROGRAMS)
    assert Client().get(PROGRAMS).status_code == 401


# a program's versions


def test_versions_come_newest_first_a_page_at_a_time_each_once(cast, seeded):
    add_versions(seeded, 54)
    count, versions = every_page(signed_in(cast.partner_rep_a1.user), VERSIONS)

    assert count == len(versions) == 55
    assert [v["number"] for v in versions] == list(range(55, 0, -1))
    dates = [v["effective_from"] for v in versions]
    assert dates == sorted(dates, reverse=True)


def test_versions_list_costs_the_same_queries_for_2_or_12_versions(cast, seeded):
    add_versions(seeded, 1)
    client = signed_in(cast.manager_a)
    client.get(VERSIONS)
    few = queries_for(client, VERSIONS)

    add_versions(seeded, 10)
    many = queries_for(client, VERSIONS)

    assert client.get(VERSIONS).json()["count"] == 12
    assert many == few


def test_another_vendors_staff_cannot_list_the_versions(cast, seeded):
    assert_hidden_from(cast.manager_b, VERSIONS)
    assert_hidden_from(cast.partner_rep_b1.user, VERSIONS)
    assert Client().get(VERSIONS).status_code == 401
    assert signed_in(cast.manager_a).get(f"{PROGRAMS}no-such-program/versions/").status_code == 404


# one's own applications


def test_own_applications_come_newest_first_a_page_at_a_time_each_once(cast, seeded):
    applicant = UserFactory(email="founder@bluebird.test")
    add_applications(seeded, applicant, 55)  # one instant: only the tiebreaker orders them
    with tenant_scope(cast.tenant_a):
        latest = Application.objects.filter(applicant=applicant).order_by("pk").first()
        later = NOON + datetime.timedelta(hours=1)
        Application.objects.filter(pk=latest.pk).update(submitted_at=later)

    count, applications = every_page(signed_in(applicant), APPLICATIONS)

    assert count == len(applications) == 55
    assert len({a["id"] for a in applications}) == 55
    assert applications[0]["id"] == latest.pk
    assert [a["id"] for a in applications[1:]] == sorted(
        (a["id"] for a in applications[1:]), reverse=True
    )


def test_applications_list_costs_the_same_queries_for_2_or_12(cast, seeded):
    applicant = UserFactory(email="founder@bluebird.test")
    add_applications(seeded, applicant, 2)
    client = signed_in(applicant)
    client.get(APPLICATIONS)
    few = queries_for(client, APPLICATIONS)

    add_applications(seeded, applicant, 10)
    many = queries_for(client, APPLICATIONS)

    assert client.get(APPLICATIONS).json()["count"] == 12
    assert many == few


def test_nobody_sees_anyone_elses_applications(cast, seeded):
    applicant = UserFactory(email="founder@bluebird.test")
    add_applications(seeded, applicant, 2)
    add_applications(seeded, cast.stranger, 3, firm_name="Stranger Co")
    with tenant_scope(cast.tenant_b):
        ipsoft_v1 = ProgramVersion.objects.select_related("program", "tenant").get(
            program__slug="partner-program"
        )
    add_applications(ipsoft_v1, applicant, 1, firm_name="Elsewhere")

    count, mine = every_page(signed_in(applicant), APPLICATIONS)
    assert count == 2
    assert sorted(a["firm_name"] for a in mine) == ["Bluebird 0", "Bluebird 1"]
    count, theirs = every_page(signed_in(cast.stranger), APPLICATIONS)
    assert {a["firm_name"] for a in theirs} == {"Stranger Co 0", "Stranger Co 1", "Stranger Co 2"}
    assert every_page(signed_in(cast.manager_a), APPLICATIONS)[0] == 0
    assert Client().get(APPLICATIONS).status_code == 401
