import pytest

from deals.matching import normalize_company, normalize_domain


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
