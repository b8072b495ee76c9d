"""What a customers file would do: new external ids created, changed ones brought up to date."""

from functools import partial

from deals.imports_csv import Row
from deals.imports_plan import Change, PlanContext, by_key, first_of_each, unchanged
from deals.models import Customer
from deals.services.orders import customer_upsert
from tenants.validation import max_length_of

CUSTOMER_COLUMNS = ("external_id", "name", "domain", "country")


def customers_plan(rows: list[Row], context: PlanContext) -> list[Change]:
    """Create new external ids, update changed ones, leave identical ones alone."""
    values = {}
    for row in rows:
        values[row.number] = {
            "external_id": row.text(
                "external_id", required=True, max_length=max_length_of(Customer, "external_id")
            ),
            "name": row.text("name", required=True, max_length=max_length_of(Customer, "name")),
            "domain": row.domain("domain"),
            "country": row.country("country"),
        }
        context.tick()
    keyed = first_of_each(
        ((row, values[row.number]["external_id"]) for row in rows), "external_id", "customer"
    )
    existing = by_key(Customer.objects.all(), "external_id", keyed)
    changes = []
    for external_id, row in keyed.items():
        if row.bad:
            continue
        wanted = values[row.number]
        customer = existing.get(external_id)
        if customer is not None and (customer.name, customer.domain, customer.country) == (
            wanted["name"],
            wanted["domain"],
            wanted["country"],
        ):
            changes.append(unchanged(row))
            continue
        outcome = "created" if customer is None else "updated"
        changes.append(
            Change(row.number, outcome, partial(customer_upsert, tenant=context.tenant, **wanted))
        )
    return changes
