"""Requirement results in words: money metrics read as amounts of the program's currency."""

from decimal import Decimal

from programs.metrics import METRICS, Unit
from tenants.money import format_amount


def is_money(metric: str) -> bool:
    spec = METRICS.get(metric)
    return spec is not None and spec.unit is Unit.MONEY


def amount_text(metric: str, value, currency: str) -> str:
    """A measured value or threshold as shown: "12,500.00 USD" for money, "" otherwise."""
    if value is None or value == "" or not is_money(metric):
        return ""
    return format_amount(Decimal(str(value)), currency)


def result_in_words(metric: str, value, threshold, currency: str) -> str:
    """ "Net revenue 12,500.00 USD of 50,000.00 USD" for money metrics, "" otherwise."""
    if not is_money(metric) or threshold is None:
        return ""
    measured, needed = (
        amount_text(metric, value, currency),
        amount_text(metric, threshold, currency),
    )
    return f"{METRICS[metric].label} {measured} of {needed}"


def shown_missing(missing: list[dict], metrics: dict[str, str], currency: str) -> list[dict]:
    """An evaluation's `missing_for_next` with money values and thresholds as amounts."""
    shown = []
    for item in missing:
        metric = metrics.get(item.get("requirement", ""), "")
        shown.append(
            {
                **item,
                "value": amount_text(metric, item.get("value"), currency) or item.get("value"),
                "threshold": amount_text(metric, item.get("threshold"), currency)
                or item.get("threshold"),
            }
        )
    return shown
