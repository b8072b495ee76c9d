import pytest

from deals.matching import (
    Likeness,
    compare_prospects,
    name_similarity,
    normalize_company,
    normalize_domain,
    readable_domain,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acme Inc.", "ACME, Incorporated"),
        ("Müller GmbH", "muller"),
        ("The Widget Company", "Widget Co."),
        ("Smith & Sons Ltd", "smith and sons limited"),
        ("Kiwi Trade Tech Pty Ltd", "KIWI TRADE TECH"),
    ],
)
def test_company_names_meet_after_normalising(left, right):
    assert normalize_company(left) == normalize_company(right)


def test_different_companies_stay_different():
    assert normalize_company("Acme Inc") != normalize_company("Acme Robotics Inc")


@pytest.mark.parametrize(
    "value",
    [
        "www.acme.com",
        "https://sales.acme.com/contact",
        "jane@acme.com",
        "ACME.COM.",
        "acme.com:443",
    ],
)
def test_domains_meet_at_the_registrable_domain(value):
    assert normalize_domain(value) == "acme.com"


def test_second_level_country_domains_keep_three_labels():
    assert normalize_domain("shop.acme.co.uk") == "acme.co.uk"
    assert normalize_domain("bob@mail.acme.com.au") == "acme.com.au"


def test_not_a_domain_is_empty():
    assert normalize_domain("acme") == ""


def test_subdomains_meet_under_a_multi_label_public_suffix():
    assert normalize_domain("www.x.co.uk") == normalize_domain("sales.x.co.uk") == "x.co.uk"


def test_sites_under_a_shared_host_stay_apart():
    assert normalize_domain("x.github.io") == "x.github.io"
    assert normalize_domain("x.github.io") != normalize_domain("https://y.github.io/about")
    assert normalize_domain("github.io") == ""  # a public suffix is nobody's company


@pytest.mark.parametrize(
    "value",
    ["jane@gmail.com", "bob@outlook.com", "x@yahoo.co.uk", "gmx.de", "bob@columbus.rr.com"],
)
def test_free_mail_gives_no_company_domain(value):
    assert normalize_domain(value) == ""
    assert registrable_domain(value)  # still a web domain, so a form accepts it


def test_internationalised_domains_compare_in_one_form():
    assert normalize_domain("bücher.de") == normalize_domain("xn--bcher-kva.de")
    assert normalize_domain("Jane@Shop.BÜCHER.de") == "xn--bcher-kva.de"
    assert readable_domain("xn--bcher-kva.de") == "bücher.de"


def like(name, other, domain="", other_domain="", country="AU", other_country="AU"):
    return compare_prospects(
        name=normalize_company(name),
        domain=normalize_domain(domain),
        country=country,
        other_name=normalize_company(other),
        other_domain=normalize_domain(other_domain),
        other_country=other_country,
    )


def test_similar_names_are_scored_and_explained_but_weak():
    assert name_similarity("acme dental", "acme dentistry") == 0.72
    assert like("Acme Dental Pty Ltd", "ACME Dentistry") == Likeness(
        strong=False,
        similarity=0.72,
        reason="Similar name: 'acme dental' vs 'acme dentistry' (0.72)",
    )
    assert like("Acme", "Acme Robotics") is None  # 0.47: below SIMILAR_NAME_AT


def test_same_company_domain_is_strong_whatever_the_name():
    likeness = like("Acme", "Wile E. Coyote Supplies", "www.acme.com", "jane@acme.com")
    assert (likeness.strong, likeness.reason) == (True, "Same company domain acme.com")


@pytest.mark.parametrize(
    ("other_country", "strong", "reason"),
    [
        ("au", True, "Same name and country: 'acme' in AU"),
        ("NZ", False, "Same name, another country: 'acme' (AU vs NZ)"),
        ("", False, "Same name, country unknown: 'acme'"),
    ],
)
def test_same_name_is_strong_only_in_the_same_country(other_country, strong, reason):
    likeness = like("Acme Inc.", "ACME Ltd", other_country=other_country)
    assert (likeness.strong, likeness.similarity, likeness.reason) == (strong, 1.0, reason)


def test_shared_free_mail_is_no_match():
    assert like("Harbour Foods", "Kelp Analytics", "jane@gmail.com", "bob@gmail.com") is None
