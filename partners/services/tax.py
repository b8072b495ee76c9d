"""Writes about tax documents, payout profiles and financial-benefit elections."""

import datetime
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from partners.models import Enrolment, PartnerFirm, PayoutProfile, TaxDocument, TaxDocumentStatus
from partners.payout_details import clean_details
from partners.selectors.tax import election_choices_for
from partners.uploads import checked_upload
from tenants.errors import ApplicationError
from tenants.models import Tenant

logger = logging.getLogger(__name__)

WITHHOLDING_IS_FINANCES = (
    "The withholding rate is set by the vendor's finance team; partners cannot change it."
)


def _checked_type(upload: UploadedFile) -> tuple[str, str]:
    return checked_upload(
        upload,
        field="file",
        hint="scan or save the signed form as a PDF and upload it again.",
    )


@transaction.atomic
def tax_document_upload(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    kind: str,
    upload: UploadedFile,
    uploaded_by: AbstractBaseUser,
) -> TaxDocument:
    """Store a checked tax form under a generated name; refuse it whole and store nothing."""
    content_type, extension = _checked_type(upload)
    original_name = (upload.name or "")[-255:] or f"upload.{extension}"
    document = TaxDocument(
        tenant=tenant,
        firm=firm,
        kind=kind,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=uploaded_by,
    )
    # Validate everything before the file is written, so a refusal leaves no file behind.
    document.full_clean(exclude=["file"])
    # The stored name is ours alone: the user's name never reaches a path.
    document.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def tax_document_review(
    *,
    tenant: Tenant,
    document: TaxDocument,
    status: str,
    expires_on: datetime.date | None = None,
    reviewed_by: AbstractBaseUser,
) -> TaxDocument:
    """Record finance's decision on a tax form (verified, rejected or expired)."""
    if status not in TaxDocumentStatus.values:
        raise ApplicationError(f"{status!r} is not a tax-document status.")
    document = TaxDocument.objects.select_for_update().get(tenant=tenant, pk=document.pk)
    document.status = status
    document.expires_on = expires_on
    if status == TaxDocumentStatus.VERIFIED:
        document.verified_by = reviewed_by
        document.verified_at = timezone.now()
    elif status in (TaxDocumentStatus.RECEIVED, TaxDocumentStatus.REJECTED):
        document.verified_by, document.verified_at = None, None
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def payout_profile_update(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    method: str,
    account_holder: str,
    account_reference: str = "",
    routing_number: str | None = None,
    bic: str | None = None,
    account_type: str | None = None,
) -> PayoutProfile:
    """Set how the firm is paid; the withholding rate is finance's and is not touched here.

    A blank `account_reference` keeps the stored one (partners only ever see it masked);
    `routing_number`, `bic` and `account_type` left out (None) keep theirs. The details
    are checked (IBAN and BIC check digits, the routing number's checksum) before
    anything is saved; every error names its field.
    """
    profile = PayoutProfile.objects.select_for_update().filter(tenant=tenant, firm=firm).first()
    account_reference = account_reference.strip()
    if profile is None:
        if not account_reference:
            message = "Enter the account reference (IBAN, account number or PayPal e-mail)."
            raise ApplicationError(message, fields={"account_reference": [message]})
        profile = PayoutProfile(tenant=tenant, firm=firm)
    try:
        details = clean_details(
            method=method,
            account_reference=account_reference or profile.account_reference,
            routing_number=profile.routing_number if routing_number is None else routing_number,
            bic=profile.bic if bic is None else bic,
        )
    except ValidationError as exc:
        fields = exc.message_dict
        raise ApplicationError(
            "Check the payout details: " + " ".join(m for ms in fields.values() for m in ms),
            fields=fields,
        ) from exc
    profile.method = method
    profile.account_holder = account_holder.strip()
    profile.account_reference = details["account_reference"]
    profile.routing_number = details["routing_number"]
    profile.bic = details["bic"]
    profile.account_type = account_type or profile.account_type
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def payout_profile_set_withholding(
    *, tenant: Tenant, profile: PayoutProfile, rate: Decimal
) -> PayoutProfile:
    """Finance sets the share withheld from the firm's payouts (0 to 1)."""
    if not Decimal(0) <= rate <= Decimal(1):
        message = "The withholding rate is a share between 0 and 1 (0.24 = 24 %)."
        raise ApplicationError(message, fields={"withholding_rate": [message]})
    profile = PayoutProfile.objects.select_for_update().get(tenant=tenant, pk=profile.pk)
    profile.withholding_rate = rate
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def enrolment_elect_financial_benefit(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    benefits: Sequence[str],
    elected_by: AbstractBaseUser | None,
) -> Enrolment:
    """Record the one financial benefit the partner elects (Simpro: referral fee OR discount)."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("program")
        .get(tenant=tenant, pk=enrolment.pk)
    )
    program = enrolment.program
    if not enrolment.is_live:
        raise ApplicationError(f"This enrolment in {program} has ended; nothing to elect.")
    choices = election_choices_for(enrolment)
    if not choices:
        raise ApplicationError(f"{program} has no financial benefit to elect.")
    keys = [choice.key for choice in choices]
    wanted = list(dict.fromkeys(b.strip() for b in benefits if b and b.strip()))
    listed = " or ".join(f"{c.key} ({c.label})" for c in choices)
    if not wanted:
        raise _election_error(f"Choose one financial benefit: {listed}.")
    if len(wanted) > 1:
        raise _election_error(
            f"{program} allows one financial benefit only, not {' and '.join(wanted)}; "
            f"choose either {listed}."
        )
    benefit = wanted[0]
    if benefit not in keys:
        raise _election_error(
            f"{benefit!r} is not a financial benefit of {program}; choose {listed}."
        )
    previous = enrolment.financial_benefit
    if previous != benefit:
        enrolment.financial_benefit = benefit
        enrolment.full_clean()
        enrolment.save(update_fields=["financial_benefit"])
        # the model keeps only the current value, so the change is recorded in the log
        logger.info(
            "tax.financial_benefit_elected",
            extra={
                "tenant": tenant.slug,
                "enrolment_id": enrolment.pk,
                "previous": previous or None,
                "elected": benefit,
                "user_id": getattr(elected_by, "pk", None),
            },
        )
    return enrolment


def _election_error(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"financial_benefit": [message]})
