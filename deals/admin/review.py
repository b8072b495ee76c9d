"""The registration review page: the registration and each candidate side by side, field by
field, with the fields that matched marked and the reason they matched."""

from dataclasses import dataclass

from deals.models import DealRegistration, RegistrationMatch
from tenants.countries import country_name
from tenants.money import format_minor


@dataclass(frozen=True)
class Cell:
    text: str
    same: bool = False  # matches the registration under review


@dataclass(frozen=True)
class Candidate:
    heading: str
    strength: str
    why: str
    similarity: str
    link: str
    cells: list[Cell]


FIELDS = (
    "Company",
    "Domain",
    "Contact",
    "Country",
    "Products",
    "Estimated value",
    "Status and expiry",
    "Firm",
    "Submitted",
)


def _value(registration: DealRegistration) -> str:
    amount = registration.estimated_value_minor
    return "—" if amount is None else format_minor(amount, registration.currency)


def _status(registration: DealRegistration) -> str:
    status = registration.get_status_display()
    return (
        f"{status} until {registration.expires_on:%Y-%m-%d}" if registration.expires_on else status
    )


def _contact(registration: DealRegistration) -> str:
    parts = [registration.contact_name, registration.contact_email]
    return " · ".join(p for p in parts if p) or "—"


def registration_cells(registration: DealRegistration) -> list[str]:
    return [
        registration.company_name,
        registration.domain or "—",
        _contact(registration),
        country_name(registration.country),
        registration.products or "—",
        _value(registration),
        _status(registration),
        registration.firm.name,
        f"{registration.submitted_at:%Y-%m-%d}",
    ]


def _same(mine: DealRegistration, other) -> list[bool]:
    """Which fields agree, compared on the normal forms the matcher uses."""
    same_name = bool(mine.normalized_name) and mine.normalized_name == other.normalized_name
    same_domain = bool(mine.normalized_domain) and mine.normalized_domain == other.normalized_domain
    same_country = bool(mine.country) and mine.country == other.country
    if not isinstance(other, DealRegistration):
        return [same_name, same_domain, False, same_country, *[False] * 5]
    same_contact = bool(mine.contact_email) and (
        mine.contact_email.lower() == other.contact_email.lower()
    )
    return [same_name, same_domain, same_contact, same_country, *[False] * 5]


def candidates(registration: DealRegistration, link_of) -> list[Candidate]:
    """Each possible conflict as a column; `link_of(record)` is its console page."""
    matches = RegistrationMatch.objects.filter(registration=registration).select_related(
        "other_registration__firm", "customer"
    )
    columns = []
    for number, match in enumerate(matches.order_by("-strong", "pk"), start=1):
        other = match.other_registration or match.customer
        if isinstance(other, DealRegistration):
            texts = registration_cells(other)
        else:
            texts = [other.name, other.domain or "—", "—", country_name(other.country)]
            texts += ["—", "—", "Existing customer", "—", f"{other.created_at:%Y-%m-%d}"]
        columns.append(
            Candidate(
                heading=f"Candidate {number}: {match.get_kind_display()}",
                strength="Strong match" if match.strong else "Weak match (your call)",
                why=match.explanation,
                similarity=f"{match.similarity:.2f}",
                link=link_of(other),
                cells=[Cell(t, s) for t, s in zip(texts, _same(registration, other), strict=True)],
            )
        )
    return columns
