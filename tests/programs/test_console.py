from django.test import Client

from programs.models import ProgramVersion, Tier, VersionStatus
from tenants.scope import tenant_scope
from tests.isolation import assert_hidden_from, assert_visible_to

VERSIONS = "/admin/programs/programversion/"


def manager(cast) -> Client:
    client = Client()
    client.force_login(cast.manager_a)
    return client


def change_url(version) -> str:
    return f"{VERSIONS}{version.pk}/change/"


def test_published_version_is_read_only_in_the_console(cast, published):
    simpro, _ = published
    client = manager(cast)
    page = client.get(change_url(simpro))
    assert page.status_code == 200
    assert b"Save and continue editing" not in page.content
    response = client.post(change_url(simpro), {"label": "rewritten"})
    assert response.status_code == 403
    with tenant_scope(cast.tenant_a):
        assert ProgramVersion.objects.get(pk=simpro.pk).label != "rewritten"


def test_manager_drafts_compares_and_publishes_a_new_version(cast, published):
    simpro, _ = published
    client = manager(cast)
    confirm = client.get(f"{VERSIONS}{simpro.pk}/new-draft/")
    assert confirm.status_code == 200 and b"Create the draft" in confirm.content
    response = client.post(f"{VERSIONS}{simpro.pk}/new-draft/")
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        draft = ProgramVersion.objects.get(program=simpro.program, status=VersionStatus.DRAFT)
        Tier.objects.filter(version=draft, key="select").update(name="Select Partner")

    compare = client.get(f"{VERSIONS}{draft.pk}/compare/?against={simpro.pk}")
    assert compare.status_code == 200
    assert b"-  name: Select" in compare.content and b"+  name: Select Partner" in compare.content

    too_early = client.post(f"{VERSIONS}{draft.pk}/publish/", {"effective_from": "2023-12-31"})
    assert too_early.status_code == 200
    assert b"must be after 2024-01-01" in too_early.content
    done = client.post(f"{VERSIONS}{draft.pk}/publish/", {"effective_from": "2025-07-01"})
    assert done.status_code == 302
    with tenant_scope(cast.tenant_a):
        draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert str(draft.effective_from) == "2025-07-01"
    assert draft.published_by == cast.manager_a


def test_finance_cannot_publish_or_draft(cast, published):
    simpro, _ = published
    client = Client()
    client.force_login(cast.finance_a)
    assert client.get(change_url(simpro)).status_code == 200
    assert client.post(f"{VERSIONS}{simpro.pk}/new-draft/").status_code == 403


def test_other_tenants_versions_are_hidden(cast, published):
    simpro, ipsoft = published
    assert_visible_to(cast.manager_a, change_url(simpro))
    for suffix in ("change/", "compare/", "publish/", "new-draft/"):
        assert_hidden_from(cast.manager_a, f"{VERSIONS}{ipsoft.pk}/{suffix}")
    changelist = manager(cast).get(VERSIONS)
    assert b"Simpro Partner Program" in changelist.content
    assert b"IPsoft Partner Program" not in changelist.content
