"""API: partners register deals and follow them; vendor staff review them."""

from operator import itemgetter

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.api.orders import acting_user, money_column, money_text
from deals.models import DealRegistration, RegistrationMatch, SalesActivity
from deals.selectors.registrations import registrations_for_partner, registrations_for_reviewer
from deals.services.registrations import (
    registration_approve,
    registration_reject,
    registration_request_extension,
    registration_submit,
    sales_activity_record,
)
from partners.permissions import partner_contact
from tenants.api_permissions import IsTenantMember, IsTenantStaff, TenantPermission, is_tenant_staff
from tenants.api_rows import Computed, RowListApi, Rows
from tenants.errors import NotAllowed
from tenants.models import StaffRole
from tenants.validation import (
    COUNTRY_FIELD_ERRORS,
    max_length_of,
    normalized_country,
    text_limits_of,
)


def visible_registrations(request):
    contact = partner_contact(request)
    if contact is not None:
        return registrations_for_partner(contact=contact)
    return registrations_for_reviewer(
        tenant=request.tenant, membership=getattr(request, "staff_membership", None)
    )


def _text(name: str, *, model=DealRegistration, **kwargs) -> serializers.CharField:
    """An optional text input limited and checked as the model's field (tenants/validation.py)."""
    return serializers.CharField(
        required=False, allow_blank=True, default="", **text_limits_of(model, name), **kwargs
    )


class RegistrationInput(serializers.Serializer):
    company_name = serializers.CharField(**text_limits_of(DealRegistration, "company_name"))
    domain = _text("domain")
    country = serializers.CharField(
        max_length=max_length_of(DealRegistration, "country"), error_messages=COUNTRY_FIELD_ERRORS
    )
    contact_name = _text("contact_name")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    products = _text("products")
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    expected_close_on = serializers.DateField(required=False, allow_null=True, default=None)
    notes = _text("notes")
    external_id = _text("external_id")

    def validate_country(self, value: str) -> str:
        try:
            return normalized_country(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class RegistrationOutput(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    firm = serializers.StringRelatedField()
    estimated_value = serializers.SerializerMethodField()

    class Meta:
        model = DealRegistration
        fields = (
            "id",
            "program",
            "firm",
            "lead_source",
            "external_id",
            "company_name",
            "domain",
            "country",
            "contact_name",
            "contact_email",
            "products",
            "estimated_value",
            "currency",
            "expected_close_on",
            "notes",
            "status",
            "rejection_reason",
            "rejection_reason_label",
            "decision_reason",
            "submitted_at",
            "approved_on",
            "expires_on",
            "extension_requested_at",
            "qualified_on",
            "closed_on",
        )

    def get_estimated_value(self, registration) -> str | None:
        value = registration.estimated_value_minor
        return None if value is None else money_text(value, registration.currency)


#: the list's page as rows, the same JSON as RegistrationOutput (tenants/api_rows.py)
REGISTRATION_ROWS = Rows(
    RegistrationOutput,
    firm=Computed(("firm__name",), itemgetter("firm__name")),  # PartnerFirm.__str__
    estimated_value=money_column("estimated_value_minor"),
)


class MatchOutput(serializers.ModelSerializer):
    # a match is with another registration or with a customer: the other side is null
    other_firm = serializers.CharField(
        source="other_registration.firm.name", default=None, allow_null=True
    )
    other_company = serializers.CharField(
        source="other_registration.company_name", default=None, allow_null=True
    )
    other_status = serializers.CharField(
        source="other_registration.status", default=None, allow_null=True
    )
    customer = serializers.CharField(source="customer.name", default=None, allow_null=True)

    class Meta:
        model = RegistrationMatch
        fields = (
            "kind",
            "strong",
            "similarity",
            "explanation",
            "other_firm",
            "other_company",
            "other_status",
            "customer",
        )


class ReviewOutput(RegistrationOutput):
    """What reviewers see: the registration and its conflict candidates."""

    matches = MatchOutput(
        many=True, required=False, help_text="Reviewers only: absent from a partner's answer."
    )

    class Meta(RegistrationOutput.Meta):
        fields = (*RegistrationOutput.Meta.fields, "matches")


class NewestFirst(CursorPagination):
    """Keyset pages, newest first: a page is an index range, and no COUNT runs over the tenant."""

    ordering = ("-submitted_at", "-id")


class RegistrationListApi(RowListApi):
    """Partners list their firm's registrations and register new ones; staff list all."""

    permission_classes = [IsTenantMember]
    serializer_class = RegistrationOutput
    rows = REGISTRATION_ROWS
    pagination_class = NewestFirst

    def get_queryset(self):
        return visible_registrations(self.request)

    @extend_schema(request=RegistrationInput, responses={201: RegistrationOutput})
    def post(self, request):
        contact = partner_contact(request)
        if contact is None:
            raise NotAllowed("Deals are registered by partners (vendor leads: the console).")
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_submit(
            tenant=request.tenant, firm=contact.firm, user=request.user, **data.validated_data
        )
        return Response(RegistrationOutput(registration).data, status=status.HTTP_201_CREATED)


class RegistrationDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=ReviewOutput)
    def get(self, request, pk: int):
        registration = get_object_or_404(visible_registrations(request), pk=pk)
        if partner_contact(request) is not None:
            return Response(RegistrationOutput(registration).data)  # never the conflicts
        return Response(ReviewOutput(registration).data)


class ReasonInput(serializers.Serializer):
    reason = _text("decision_reason")


class ExtensionRequestApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=ReasonInput, responses=RegistrationOutput)
    def post(self, request, pk: int):
        contact = partner_contact(request)
        if contact is None:
            raise NotAllowed("Partners request extensions; managers decide in the console.")
        registration = get_object_or_404(registrations_for_partner(contact=contact), pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_request_extension(
            tenant=request.tenant,
            registration=registration,
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(RegistrationOutput(registration).data)


class SalesActivityInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SalesActivity.Kind.choices)
    occurred_on = serializers.DateField()
    vendor_attended = serializers.BooleanField(required=False, default=True)
    notes = _text("notes", model=SalesActivity)


class SalesActivityOutput(serializers.ModelSerializer):
    class Meta:
        model = SalesActivity
        fields = ("id", "kind", "occurred_on", "vendor_attended", "notes", "recorded_at")


class SalesActivityApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=SalesActivityInput, responses={201: SalesActivityOutput})
    def post(self, request, pk: int):
        registration = get_object_or_404(visible_registrations(request), pk=pk)
        data = SalesActivityInput(data=request.data)
        data.is_valid(raise_exception=True)
        activity = sales_activity_record(
            tenant=request.tenant,
            registration=registration,
            user=acting_user(request),  # an API key records no person
            **data.validated_data,
        )
        return Response(SalesActivityOutput(activity).data, status=status.HTTP_201_CREATED)


class IsReviewer(TenantPermission):
    """Managers and tenant admins decide registrations (people, not API keys)."""

    def allows(self, request) -> bool:
        return is_tenant_staff(request, (StaffRole.MANAGER, StaffRole.ADMIN))

    def has_permission(self, request, view) -> bool:
        if self.allows(request):
            return True
        raise exceptions.PermissionDenied("Only partner managers decide registrations.")


class DecisionApi(APIView):
    """A reviewer's decision; subclasses name the service that carries it out."""

    permission_classes = [IsTenantStaff, IsReviewer]
    decide = staticmethod(registration_approve)

    @extend_schema(request=ReasonInput, responses=ReviewOutput)
    def post(self, request, pk: int):
        registration = get_object_or_404(visible_registrations(request), pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = self.decide(
            tenant=request.tenant,
            registration=registration,
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(ReviewOutput(registration).data)


class ApproveApi(DecisionApi):
    decide = staticmethod(registration_approve)


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=60, help_text="A key of the program's deal_registration.rejection_reasons."
    )
    note = _text("decision_reason")


class RejectApi(DecisionApi):
    """Reject with one of the program's reasons (an unknown key: 400, nothing changes)."""

    @extend_schema(request=RejectInput, responses=ReviewOutput)
    def post(self, request, pk: int):
        registration = get_object_or_404(visible_registrations(request), pk=pk)
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_reject(
            tenant=request.tenant,
            registration=registration,
            user=request.user,
            **data.validated_data,
        )
        return Response(ReviewOutput(registration).data)
