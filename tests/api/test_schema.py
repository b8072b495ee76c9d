"""The OpenAPI document tells the truth: base URL per vendor, nulls, real file types."""

import pytest
from django.test import Client


def schema(slug: str = "simpro") -> dict:
    response = Client().get(f"/{slug}/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("slug", "name"), [("simpro", "Simpro"), ("ipsoft", "IPsoft")])
def test_each_vendor_document_names_its_own_base_url(cast, slug, name):
    document = schema(slug)
    assert document["servers"] == [{"url": f"/{slug}/api/v1", "description": name}]
    assert f"`/{slug}/api/v1/`" in document["info"]["description"]
    assert "//api/v1/" not in document["info"]["description"]


def test_paths_are_relative_to_the_base_url_without_a_slug_parameter(cast):
    document = schema()
    assert "/partner-firms/" in document["paths"]
    assert not [path for path in document["paths"] if "tenant_slug" in path or "/api/" in path]
    parameters = [
        parameter["name"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
    ]
    assert "tenant_slug" not in parameters


def test_docs_page_loads_that_vendors_document(cast):
    client = Client()
    response = client.get("/ipsoft/api/v1/docs/")
    assert response.status_code == 200
    # the page starts Swagger UI from a script file (no inline script under the CSP) ...
    page = response.content.decode()
    assert 'src="/ipsoft/api/v1/docs/?script="' in page and "<script>" not in page
    # ... which loads the vendor's own schema
    script = client.get("/ipsoft/api/v1/docs/?script=")
    assert script.status_code == 200 and "../schema/" in script.content.decode()


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("MatchOutput", "customer"),
        ("MatchOutput", "other_firm"),
        ("EnrolmentOutput", "onboarding_deadline"),
        ("EnrolmentOutput", "tier_name"),
    ],
)
def test_fields_that_can_be_null_say_so(cast, component, field):
    assert schema()["components"]["schemas"][component]["properties"][field]["nullable"] is True


@pytest.mark.parametrize(
    ("path", "media_types"),
    [
        (
            "/payout-batches/{batch_id}/export.{kind}",
            {
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/pdf",
            },
        ),
        ("/statements/{line_id}/pdf/", {"application/pdf"}),
        ("/tax-documents/{document_id}/download/", {"application/pdf", "image/png", "image/jpeg"}),
    ],
)
def test_downloads_carry_their_real_content_types(cast, path, media_types):
    operation = schema()["paths"][path]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == media_types
    assert all(
        value["schema"] == {"type": "string", "format": "binary"} for value in content.values()
    )
