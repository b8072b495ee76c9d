"""API: apply to a program, and read enrolments with term, tier, benefits and deadlines."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from partners.models import Application, ContactRequest
from partners.permissions import partner_contact
from partners.selectors.enrolments import enrolment_overviews, enrolments_visible_to
from partners.services.applications import application_submit
from programs.selectors import programs_of
from tenants.api_permissions import IsSignedIn, IsTenantMember
from tenants.client_ip import client_ip
from tenants.validation import (
    COUNTRY_FIELD_ERRORS,
    max_length_of,
    normalized_country,
    normalized_territories,
    text_limits_of,
)


class ApplicationInput(serializers.Serializer):
    program = serializers.SlugField()
    firm_name = serializers.CharField(**text_limits_of(Application, "firm_name"))
    website = serializers.URLField(required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=max_length_of(Application, "country"), error_messages=COUNTRY_FIELD_ERRORS
    )
    territories = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, default=list
    )
    tracks = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    directory_consent = serializers.BooleanField(required=False, default=False)
    accept_agreement = serializers.BooleanField()
    message = serializers.CharField(
        required=False, allow_blank=True, default="", **text_limits_of(Application, "message")
    )

    def validate_country(self, value: str) -> str:
        return _checked(normalized_country, value)

    def validate_territories(self, value: list[str]) -> list[str]:
        return _checked(normalized_territories, value)


def _checked(normalize, value):
    """`normalize(value)`, its Django ValidationError as the serializer's own."""
    try:
        return normalize(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class ApplicationOutput(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement_version = serializers.IntegerField(source="program_version.number")

    class Meta:
        model = Application
        fields = (
            "id",
            "program",
            "agreement_version",
            "firm_name",
            "country",
            "territories",
            "tracks",
            "directory_consent",
            "status",
            "submitted_at",
            "rejection_reason",
        )


class ApplicationApi(ListAPIView):
    """Signed-in people apply (session auth) and page through their own applications."""

    permission_classes = [IsSignedIn]
    serializer_class = ApplicationOutput

    def get_queryset(self):
        return (
            Application.objects.filter(applicant=self.request.user)
            .select_related("program", "program_version")
            .order_by("-submitted_at", "-pk")
        )

    @extend_schema(request=ApplicationInput, responses={201: ApplicationOutput})
    def post(self, request):
        data = ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        program = get_object_or_404(programs_of(tenant=request.tenant), slug=fields.pop("program"))
        result = application_submit(
            tenant=request.tenant,
            program=program,
            user=request.user,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            **fields,
        )
        if isinstance(result, ContactRequest):
            return Response(
                {"contact_request": result.pk, "detail": "The vendor will contact you."},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(ApplicationOutput(result).data, status=status.HTTP_201_CREATED)


class EnrolmentOutput(serializers.Serializer):
    id = serializers.IntegerField(source="enrolment.pk")
    firm = serializers.CharField(source="enrolment.firm.name")
    program = serializers.CharField(source="enrolment.program.slug")
    status = serializers.CharField(source="enrolment.status")
    good_standing = serializers.BooleanField(
        source="enrolment.in_good_standing",
        help_text="False also while suspended or after the enrolment ended.",
    )
    standing = serializers.CharField(source="enrolment.standing_label")
    tier = serializers.CharField(source="enrolment.tier_key")
    tier_name = serializers.CharField(source="tier.name", default=None, allow_null=True)
    tier_since = serializers.DateField(source="enrolment.tier_since")
    tracks = serializers.ListField(source="enrolment.tracks")
    territories = serializers.ListField(source="enrolment.territories")
    term_start = serializers.DateField(source="enrolment.term_start")
    term_end = serializers.DateField(source="enrolment.term_end")
    auto_renew = serializers.BooleanField(source="enrolment.auto_renew")
    onboarding_deadline = serializers.DateField(
        source="enrolment.onboarding_deadline", allow_null=True
    )
    benefits = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()

    def get_benefits(self, overview) -> list[str]:
        return [b.name for b in overview.benefits]

    def get_deadlines(self, overview) -> list[dict]:
        return [{"date": day, "what": label} for day, label in overview.deadlines]


class EnrolmentListApi(ListAPIView):
    """A partner's own enrolments; staff and API keys see every firm's, a page at a time."""

    permission_classes = [IsTenantMember]
    serializer_class = EnrolmentOutput

    def get_queryset(self):
        return enrolments_visible_to(
            tenant=self.request.tenant, contact=partner_contact(self.request)
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        overviews = enrolment_overviews(page, today=timezone.localdate())
        return self.get_paginated_response(EnrolmentOutput(overviews, many=True).data)
