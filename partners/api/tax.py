"""API: tax documents, payout profiles and financial-benefit elections.

Partners reach only their own firm; staff and the vendor's API keys reach every firm of
the vendor (read-only); writes are for the firm's partner admins. A tax form's file opens
only for the firm's contacts, the vendor's finance and keys with the tax documents scope
(partners.selectors.tax). Others get 404.
"""

import zoneinfo

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from partners.models import ContactRole, PartnerContact, PartnerFirm, PayoutProfile
from partners.models import TaxDocumentKind as Kind
from partners.permissions import partner_contact
from partners.selectors import firms_visible_to
from partners.selectors.tax import (
    TAX_DOCUMENT_STAFF_ROLES,
    election_choices_for,
    enrolments_visible_to,
    has_valid_tax_document,
    payout_profile_of,
    tax_documents_of,
    tax_documents_visible_to,
    tax_status_of,
)
from partners.services.tax import (
    WITHHOLDING_IS_FINANCES,
    enrolment_elect_financial_benefit,
    payout_profile_update,
    tax_document_upload,
)
from partners.uploads import EXTENSION_OF
from partners.views.tax import ADMINS_ONLY, tax_document_response
from tenants.api_parsers import FormParser, MultiPartParser
from tenants.api_permissions import IsTenantMember, is_tenant_api_key, is_tenant_staff
from tenants.api_schema import file_responses
from tenants.errors import NotAllowed
from tenants.models import ApiKeyScope


def _as_staff(request) -> bool:
    """Staff of any role and the vendor's keys (whose scopes the permission checked)."""
    return is_tenant_api_key(request) or is_tenant_staff(request)


def _may_open_tax_forms(request) -> bool:
    """The vendor's finance and its keys with the tax documents scope; not managers."""
    return is_tenant_api_key(request) or is_tenant_staff(request, TAX_DOCUMENT_STAFF_ROLES)


def _reader_contact(request) -> PartnerContact | None:
    """None for staff and keys (the whole vendor); the caller's contact for a partner."""
    if _as_staff(request):
        return None
    contact = partner_contact(request)
    if contact is None:
        raise NotFound()
    return contact


def _visible_firm(request, firm_id: int) -> PartnerFirm:
    firms = firms_visible_to(tenant=request.tenant, contact=_reader_contact(request))
    return get_object_or_404(firms, pk=firm_id)


def _require_partner_admin(request, firm: PartnerFirm) -> None:
    contact = partner_contact(request)
    if contact is None or contact.firm_id != firm.pk or contact.role != ContactRole.PARTNER_ADMIN:
        raise NotAllowed(ADMINS_ONLY)


class TaxDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, document) -> str:
        kwargs = {"tenant_slug": self.context["tenant_slug"], "document_id": document.pk}
        return reverse("api_tax_document_download", kwargs=kwargs)


class TaxDocumentsOutput(serializers.Serializer):
    firm = serializers.IntegerField()
    status = serializers.CharField(help_text="missing, or the latest document's status")
    has_valid_tax_document = serializers.BooleanField()
    documents = TaxDocumentOutput(many=True)


class TaxDocumentUploadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    file = serializers.FileField(help_text="PDF, PNG or JPEG (checked by content), at most 5 MB.")


class TaxDocumentListApi(APIView):
    """A firm's tax documents and its effective tax-form status."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.TAX_DOCUMENTS,)

    @extend_schema(responses=TaxDocumentsOutput)
    def get(self, request, firm_id: int):
        firm = _visible_firm(request, firm_id)
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(request.tenant.time_zone)).date()
        data = {
            "firm": firm.pk,
            "status": tax_status_of(tenant=request.tenant, firm=firm),
            "has_valid_tax_document": has_valid_tax_document(
                tenant=request.tenant, firm=firm, on=today
            ),
            "documents": tax_documents_of(tenant=request.tenant, firm=firm),
        }
        context = {"tenant_slug": request.tenant.slug}
        return Response(TaxDocumentsOutput(data, context=context).data)


class TaxDocumentUploadApi(APIView):
    """Upload a signed tax form (multipart); partner admins of the firm only."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.TAX_DOCUMENTS,)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=TaxDocumentUploadInput, responses={201: TaxDocumentOutput})
    def post(self, request, firm_id: int):
        firm = _visible_firm(request, firm_id)
        _require_partner_admin(request, firm)
        params = TaxDocumentUploadInput(data=request.data)
        params.is_valid(raise_exception=True)
        document = tax_document_upload(
            tenant=request.tenant,
            firm=firm,
            kind=params.validated_data["kind"],
            upload=params.validated_data["file"],
            uploaded_by=request.user,
        )
        context = {"tenant_slug": request.tenant.slug}
        return Response(TaxDocumentOutput(document, context=context).data, status=201)


class TaxDocumentDownloadApi(APIView):
    """The stored form as an attachment."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.TAX_DOCUMENTS,)

    @extend_schema(responses=file_responses(*EXTENSION_OF))
    def get(self, request, document_id: int):
        # a partner manager is staff but not finance: no file, 404 like any hidden row
        documents = tax_documents_visible_to(
            tenant=request.tenant,
            contact=partner_contact(request),
            as_staff=_may_open_tax_forms(request),
        )
        return tax_document_response(get_object_or_404(documents, pk=document_id))


class PayoutProfileOutput(serializers.Serializer):
    firm = serializers.IntegerField(source="firm_id")
    method = serializers.CharField()
    account_holder = serializers.CharField()
    account_reference = serializers.CharField(source="masked_reference", help_text="Masked.")
    routing_number = serializers.CharField(help_text="US bank accounts; blank otherwise.")
    bic = serializers.CharField()
    account_type = serializers.CharField()
    withholding_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    updated_at = serializers.DateTimeField()


class PayoutProfileInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=PayoutProfile.Method.choices)
    account_holder = serializers.CharField(max_length=200)
    account_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Blank keeps the stored one."
    )
    routing_number = serializers.CharField(
        max_length=9, required=False, allow_blank=True, help_text="US bank accounts: ABA, 9 digits."
    )
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True)
    account_type = serializers.ChoiceField(
        choices=PayoutProfile.AccountType.choices, required=False
    )

    def to_internal_value(self, data):
        # Refused, not ignored: a partner must not believe a rate they sent was saved.
        if "withholding_rate" in data:
            raise serializers.ValidationError({"withholding_rate": [WITHHOLDING_IS_FINANCES]})
        return super().to_internal_value(data)


class PayoutProfileDetailApi(APIView):
    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(responses=PayoutProfileOutput)
    def get(self, request, firm_id: int):
        firm = _visible_firm(request, firm_id)
        profile = payout_profile_of(tenant=request.tenant, firm=firm)
        if profile is None:
            raise NotFound(f"{firm.name} has no payout details yet.")
        return Response(PayoutProfileOutput(profile).data)


class PayoutProfileUpdateApi(APIView):
    """Set method, account holder and reference; the withholding rate is finance's."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(request=PayoutProfileInput, responses=PayoutProfileOutput)
    def post(self, request, firm_id: int):
        firm = _visible_firm(request, firm_id)
        _require_partner_admin(request, firm)
        params = PayoutProfileInput(data=request.data)
        params.is_valid(raise_exception=True)
        profile = payout_profile_update(tenant=request.tenant, firm=firm, **params.validated_data)
        return Response(PayoutProfileOutput(profile).data)


class BenefitChoiceOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ElectionOutput(serializers.Serializer):
    enrolment = serializers.IntegerField(source="pk")
    firm = serializers.IntegerField(source="firm_id")
    program = serializers.CharField(source="program.slug")
    financial_benefit = serializers.CharField(help_text="The elected key; blank: none yet.")
    choices = BenefitChoiceOutput(many=True, help_text="Elect exactly one; empty: none to elect.")


@extend_schema_field(OpenApiTypes.STR)
class BenefitKeys(serializers.Field):
    """One benefit key; a list is accepted only so that two keys can be refused clearly."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            return dictionary.getlist(self.field_name) or empty
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data) -> list[str]:
        values = data if isinstance(data, list) else [data]
        if not all(isinstance(value, str) for value in values):
            raise serializers.ValidationError("Give a benefit key such as 'referral-fee'.")
        return values


class ElectionInput(serializers.Serializer):
    financial_benefit = BenefitKeys(help_text="One key of `choices`, e.g. 'referral-fee'.")


def _election_data(enrolment):
    enrolment.choices = election_choices_for(enrolment)
    return ElectionOutput(enrolment).data


class FinancialBenefitDetailApi(APIView):
    """The enrolment's elected financial benefit and what it may choose from."""

    permission_classes = [IsTenantMember]

    @extend_schema(responses=ElectionOutput)
    def get(self, request, enrolment_id: int):
        enrolments = enrolments_visible_to(tenant=request.tenant, contact=_reader_contact(request))
        return Response(_election_data(get_object_or_404(enrolments, pk=enrolment_id)))


class FinancialBenefitElectApi(APIView):
    """Elect exactly one financial benefit (Simpro: referral fee OR discount)."""

    permission_classes = [IsTenantMember]

    @extend_schema(request=ElectionInput, responses=ElectionOutput)
    def post(self, request, enrolment_id: int):
        enrolments = enrolments_visible_to(tenant=request.tenant, contact=_reader_contact(request))
        enrolment = get_object_or_404(enrolments, pk=enrolment_id)
        _require_partner_admin(request, enrolment.firm)
        params = ElectionInput(data=request.data)
        params.is_valid(raise_exception=True)
        enrolment = enrolment_elect_financial_benefit(
            tenant=request.tenant,
            enrolment=enrolment,
            benefits=params.validated_data["financial_benefit"],
            elected_by=request.user,
        )
        return Response(_election_data(enrolment))
