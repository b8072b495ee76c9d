import pytest
from django.test import Client

from tests.isolation import assert_hidden_from

BASE = "/simpro/api/v1/programs/"


def get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_partner_reads_programs_with_the_version_in_force(cast, published):
    body = get(cast.partner_rep_a1.user, BASE).json()["results"]
    assert [p["slug"] for p in body] == ["partner-program"]
    assert body[0]["version_in_force"]["number"] == 1


def test_version_in_force_carries_the_whole_definition(cast, published):
    body = get(cast.partner_rep_a1.user, f"{BASE}partner-program/?on=2025-05-01").json()
    definition = body["definition"]
    assert [t["key"] for t in definition["tiers"]] == ["registered", "select", "premier"]
    premier = definition["tiers"][2]
    assert premier["invite_only"] is True
    select = definition["tiers"][1]
    closed_won = next(r for r in select["requirements"] if r["key"] == "closed-won")
    assert (closed_won["comparator"], closed_won["threshold"]) == (">=", "10")
    assert closed_won["tracks"] == ["service-providers"]


def test_no_version_before_the_first_effective_date_is_404(cast, published):
    response = get(cast.partner_rep_a1.user, f"{BASE}partner-program/?on=2023-06-30")
    assert response.status_code == 404
    assert "2023-06-30" in response.json()["error"]["message"]


def test_bad_date_is_a_clear_400(cast, published):
    response = get(cast.partner_rep_a1.user, f"{BASE}partner-program/?on=31/12/2025")
    assert response.status_code == 400
    assert "on" in response.json()["error"]["fields"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_cannot_change_programs(cast, published, method):
    client = Client()
    client.force_login(cast.manager_a)
    response = getattr(client, method)(f"{BASE}partner-program/", content_type="application/json")
    assert response.status_code == 405


def test_other_tenants_programs_are_hidden(cast, published):
    assert_hidden_from(cast.partner_rep_b1.user, f"{BASE}partner-program/")
    assert_hidden_from(cast.manager_b, f"{BASE}partner-program/versions/")
    body = get(cast.manager_b, "/ipsoft/api/v1/programs/").json()["results"]
    assert [p["name"] for p in body] == ["IPsoft Partner Program"]
