"""Payout details: checked when a partner enters them, re-checked before money moves, masked.

Check digits come from python-stdnum (IBAN mod 97, BIC structure and country, the ABA
routing number's 3-7-1 checksum). The same checks run at entry (portal, API) and when a
payout batch is built or a bank file written, so details stored before these checks
existed are caught before they reach a bank. Account numbers, IBANs and PayPal e-mails
are shown masked everywhere (portal, console, API, exports); only a bank file has them.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import capfirst
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import rtn

from partners.masking import mask
from partners.models import PayoutProfile

__all__ = ["Checked", "Rail", "check_for_currency", "clean_details", "mask"]

US_ACCOUNT_DIGITS = re.compile(r"^\d{4,17}$")  # NACHA's DFI account number holds 17


class Rail:
    """How a payable partner is paid for a batch's currency (which file carries them)."""

    ACH = "ach"  # NACHA file, USD to a US bank account
    SEPA = "sepa"  # pain.001 file, EUR to an IBAN
    PAYPAL = "paypal"  # PayPal Payouts CSV
    CHECK = "check"  # no file: finance writes the check
    MANUAL = "manual"  # valid bank details in a currency no file here carries


@dataclass(frozen=True)
class Checked:
    """Normalised details, or the first problem that stops a payment (`problem`)."""

    rail: str = ""
    problem: str = ""


def _stdnum_reason(exc: Exception, what: str) -> str:
    if isinstance(exc, InvalidChecksum):
        return f"The {what}'s check digit is wrong: check it for a typing error."
    if isinstance(exc, InvalidLength):
        return f"The {what} has the wrong number of characters."
    if isinstance(exc, InvalidComponent):
        return f"The {what} names an unknown country or bank code."
    return f"This is not a valid {what}."


def clean_iban(value: str) -> str:
    """The IBAN without spaces, upper case; ValidationError naming what is wrong."""
    try:
        return stdnum_iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_stdnum_reason(exc, "IBAN")) from exc


def clean_bic(value: str) -> str:
    try:
        return stdnum_bic.validate(value)
    except StdnumError as exc:
        raise ValidationError(_stdnum_reason(exc, "BIC")) from exc


def clean_routing_number(value: str) -> str:
    try:
        return rtn.validate(value)
    except StdnumError as exc:
        raise ValidationError(_stdnum_reason(exc, "routing number")) from exc


def clean_us_account_number(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value)
    if not US_ACCOUNT_DIGITS.match(compact):
        raise ValidationError("A US account number is 4 to 17 digits.")
    return compact


def lowerfirst(text: str) -> str:
    return text[:1].lower() + text[1:]


def _looks_like_iban(value: str) -> bool:
    return bool(re.match(r"^[A-Za-z]{2}\d{2}", re.sub(r"\s", "", value)))


def clean_details(
    *, method: str, account_reference: str, routing_number: str = "", bic: str = ""
) -> dict[str, str]:
    """Normalised `account_reference`, `routing_number`, `bic`; ValidationError keyed by field.

    A bank transfer goes to an IBAN (with an optional BIC) or to a US account number with
    its routing number; PayPal needs the PayPal account's e-mail; a check needs nothing
    more than the account holder.
    """
    errors: dict[str, list[str]] = {}
    reference, routing, bic = account_reference.strip(), routing_number.strip(), bic.strip()

    def attempt(field: str, clean, value: str) -> str:
        try:
            return clean(value)
        except ValidationError as exc:
            errors[field] = exc.messages
            return value

    if method == PayoutProfile.Method.BANK_TRANSFER:
        if _looks_like_iban(reference):
            reference = attempt("account_reference", clean_iban, reference)
            if routing:
                errors["routing_number"] = ["An IBAN needs no routing number: leave it blank."]
            if bic:
                bic = attempt("bic", clean_bic, bic)
        else:
            reference = attempt("account_reference", clean_us_account_number, reference)
            if not routing:
                errors["routing_number"] = [
                    "Enter the 9-digit routing number of the account (or give an IBAN)."
                ]
            else:
                routing = attempt("routing_number", clean_routing_number, routing)
            bic = attempt("bic", clean_bic, bic) if bic else ""
    elif method == PayoutProfile.Method.PAYPAL:
        try:
            validate_email(reference)
        except ValidationError:
            errors["account_reference"] = ["Enter the e-mail address of the PayPal account."]
        routing, bic = "", ""
    else:
        routing, bic = "", ""
    if errors:
        raise ValidationError(errors)
    return {"account_reference": reference, "routing_number": routing, "bic": bic}


def check_for_currency(profile: PayoutProfile | None, currency: str) -> Checked:
    """Which rail pays this profile in `currency`, or why it cannot be paid."""
    if profile is None:
        return Checked(problem="none entered.")
    try:
        clean_details(
            method=profile.method,
            account_reference=profile.account_reference,
            routing_number=profile.routing_number,
            bic=profile.bic,
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = capfirst(PayoutProfile._meta.get_field(field).verbose_name)
        return Checked(problem=f"{label}: {lowerfirst(messages[0])}")
    if profile.method == PayoutProfile.Method.PAYPAL:
        return Checked(rail=Rail.PAYPAL)
    if profile.method == PayoutProfile.Method.CHECK:
        return Checked(rail=Rail.CHECK)
    has_iban = _looks_like_iban(profile.account_reference)
    if currency == "USD":
        if has_iban:
            return Checked(problem="a USD bank transfer needs a US routing and account number.")
        return Checked(rail=Rail.ACH)
    if currency == "EUR":
        if not has_iban:
            return Checked(problem="a EUR bank transfer needs an IBAN.")
        return Checked(rail=Rail.SEPA)
    return Checked(rail=Rail.MANUAL)
