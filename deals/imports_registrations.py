"""What a partner's registrations file would do: each new row becomes a registration_submit."""

from functools import partial

from deals.imports_csv import FileRefused, Row, RowError
from deals.imports_plan import Change, PlanContext, by_key, first_of_each, unchanged
from deals.models import DealRegistration
from deals.services.registrations import registration_submit
from partners.models import Enrolment, EnrolmentStatus, PartnerFirm
from partners.models.enrolment import ENDED_STATUSES
from programs.models import Program
from tenants.money import to_minor
from tenants.validation import max_length_of

REGISTRATION_COLUMNS = (
    "external_id",
    "company_name",
    "domain",
    "country",
    "contact_name",
    "contact_email",
    "products",
    "estimated_value",
    "expected_close_on",
    "notes",
)
COMPARED = (
    "company_name",
    "domain",
    "country",
    "contact_name",
    "contact_email",
    "products",
    "estimated_value",
    "expected_close_on",
    "notes",
)


def _longest(column: str) -> int:
    return max_length_of(DealRegistration, column)


def registering_programs(firm: PartnerFirm) -> list[Program]:
    """The programs `firm` may register deals under (as registration_submit decides)."""
    enrolments = (
        Enrolment.objects.filter(firm=firm)
        .exclude(status__in=[*ENDED_STATUSES, EnrolmentStatus.SUSPENDED])
        .select_related("program")
    )
    return sorted({enrolment.program for enrolment in enrolments}, key=lambda p: p.name)


def _program(firm: PartnerFirm) -> Program:
    programs = registering_programs(firm)
    if len(programs) == 1:
        return programs[0]
    if not programs:
        message = f"{firm.name} has no active enrolment to register deals under."
    else:
        message = (
            f"{firm.name} is enrolled in {', '.join(p.name for p in programs)}; a registrations "
            "file cannot say which program a row is for yet, so it needs exactly one enrolment."
        )
    raise FileRefused([RowError(0, "", message)])


def _recorded(registration: DealRegistration) -> dict:
    return {
        "company_name": registration.company_name,
        "domain": registration.domain,
        "country": registration.country,
        "contact_name": registration.contact_name,
        "contact_email": registration.contact_email,
        "products": registration.products,
        "estimated_value": registration.estimated_value_minor,
        "expected_close_on": registration.expected_close_on,
        "notes": registration.notes,
    }


def registrations_plan(rows: list[Row], context: PlanContext) -> list[Change]:
    """Submit new external ids for the uploading firm; one submitted before must be identical."""
    if context.firm is None:
        raise ValueError("A registrations import belongs to a partner firm.")
    program = _program(context.firm)
    values = {}
    for row in rows:
        values[row.number] = {
            "external_id": row.text(
                "external_id", required=True, max_length=_longest("external_id")
            ),
            "company_name": row.text(
                "company_name", required=True, max_length=_longest("company_name")
            ),
            "domain": row.domain("domain"),
            "country": row.country("country", required=True),
            "contact_name": row.text("contact_name", max_length=_longest("contact_name")),
            "contact_email": row.email("contact_email"),
            "products": row.text("products", max_length=_longest("products")),
            "estimated_value": row.decimal("estimated_value", currency=program.currency),
            "expected_close_on": row.date("expected_close_on"),
            "notes": row.text("notes", max_length=_longest("notes")),
        }
        context.tick()
    keyed = first_of_each(
        ((row, values[row.number]["external_id"]) for row in rows), "external_id", "registration"
    )
    existing = by_key(DealRegistration.objects.filter(firm=context.firm), "external_id", keyed)
    changes = []
    for external_id, row in keyed.items():
        if row.bad:
            continue
        wanted = values[row.number]
        registration = existing.get(external_id)
        if registration is None:
            submit = partial(
                registration_submit,
                tenant=context.tenant,
                firm=context.firm,
                user=context.user,
                program=program,
                **wanted,
            )
            changes.append(Change(row.number, "created", submit))
            continue
        money = wanted["estimated_value"]
        minor = None if money is None else to_minor(money, program.currency)
        compared = wanted | {"estimated_value": minor}
        recorded = _recorded(registration)
        differences = [column for column in COMPARED if recorded[column] != compared[column]]
        if differences:
            row.error(
                "",
                f"Registration {external_id} was submitted before with a different "
                f"{', '.join(differences)}; an import never changes a submitted registration.",
            )
        else:
            changes.append(unchanged(row))
    return changes
