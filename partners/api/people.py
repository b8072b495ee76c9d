"""API for resources and certifications: partners see and record their firm's, staff all."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.vocabularies import KindLabelField
from partners.models import Certification, PartnerContact, PartnerFirm, Resource
from partners.permissions import partner_contact
from partners.selectors.people import (
    certifications_visible_to,
    resources_visible_to,
    valid_certifications,
)
from partners.services.people import certification_submit, resource_create
from tenants.api_parsers import FormParser, JSONParser, MultiPartParser
from tenants.api_permissions import IsTenantMember, is_tenant_api_key, is_tenant_staff
from tenants.errors import ApplicationError, NotAllowed
from tenants.models import StaffRole

WRITER_ROLES = (StaffRole.MANAGER, StaffRole.ADMIN)


def writer_contact(request) -> PartnerContact | None:
    """Who records: a partner contact (returned), a manager or an API key (None); else 403."""
    contact = partner_contact(request)
    if contact is not None:
        return contact
    if is_tenant_api_key(request) or is_tenant_staff(request, WRITER_ROLES):
        return None
    raise NotAllowed("Your role can read these records but not record new ones.")


def acting_firm(request, firm_id: int | None) -> PartnerFirm:
    """The firm a write is for: a partner's own; for staff and API keys the `firm` they name."""
    contact = writer_contact(request)
    if contact is not None:
        if firm_id not in (None, contact.firm_id):
            raise NotFound()  # another firm's id: as if it did not exist
        return contact.firm
    if firm_id is None:
        raise ApplicationError(
            "Say which partner firm this is for.", fields={"firm": ["Required."]}
        )
    return get_object_or_404(PartnerFirm.objects.filter(tenant=request.tenant), pk=firm_id)


def acting_user(request):
    return request.user if request.user.is_authenticated else None


def review_status_field() -> serializers.CharField:
    # A plain string, not an enum: "status" names other choice sets elsewhere in the API.
    return serializers.CharField(
        read_only=True, help_text="submitted (waiting for verification), verified or rejected"
    )


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class FirmRowsMixin:
    """Rows of the caller's firm for partners, of the whole tenant for staff and API keys."""

    permission_classes = [IsTenantMember]
    rows = None  # a selector taking (*, tenant, contact)

    def get_queryset(self):
        return type(self).rows(tenant=self.request.tenant, contact=partner_contact(self.request))


class ResourceOutput(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name")

    class Meta:
        model = Resource
        fields = (
            "id",
            "firm",
            "firm_name",
            "name",
            "email",
            "job_title",
            "is_active",
            "created_at",
        )


class ResourceCreateInput(serializers.Serializer):
    firm = serializers.IntegerField(required=False, help_text="Staff and API keys only.")
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, default="")
    job_title = serializers.CharField(max_length=200, required=False, default="")


# Input and output share one component name (the input becomes "CertificationRequest"),
# so the kind enum gets one clear name instead of a hashed one.
@extend_schema_serializer(component_name="Certification")
class CertificationOutput(serializers.ModelSerializer):
    resource_name = serializers.CharField(source="resource.name")
    status = review_status_field()
    kind_label = KindLabelField("certification_kinds")
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = (
            "id",
            "resource",
            "resource_name",
            "firm",
            "kind",
            "kind_label",
            "product",
            "earned_on",
            "expires_on",
            "status",
            "rejection_reason",
            "verified_at",
            "has_evidence",
        )

    def get_has_evidence(self, certification: Certification) -> bool:
        return bool(certification.evidence)


@extend_schema_serializer(component_name="Certification")
class CertificationCreateInput(serializers.Serializer):
    resource = serializers.IntegerField()
    kind = serializers.CharField(
        max_length=60,
        help_text="A key of your programs' certification kinds (GET vocabularies/ lists them).",
    )
    product = serializers.CharField(max_length=60, required=False, default="")
    earned_on = serializers.DateField()
    expires_on = serializers.DateField(
        required=False,
        help_text="Default: earned_on plus the kind's validity_months (none: never expires).",
    )
    evidence = serializers.FileField(required=False, help_text="PDF, PNG or JPEG, at most 5 MB.")


class CertificationFilterInput(serializers.Serializer):
    valid_on = serializers.DateField(required=False)


class ResourceListApi(FirmRowsMixin, ListAPIView):
    serializer_class = ResourceOutput
    rows = staticmethod(resources_visible_to)


class ResourceDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = ResourceOutput
    rows = staticmethod(resources_visible_to)


class ResourceCreateApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=ResourceCreateInput, responses={201: ResourceOutput})
    def post(self, request):
        data = validated(ResourceCreateInput, request.data)
        firm = acting_firm(request, data.pop("firm", None))
        resource = resource_create(tenant=request.tenant, firm=firm, **data)
        return Response(ResourceOutput(resource).data, status=201)


VALID_ON = OpenApiParameter(
    "valid_on", OpenApiTypes.DATE, description="Only verified certifications valid on this date."
)


class CertificationListApi(FirmRowsMixin, ListAPIView):
    """Certifications; with ?valid_on=YYYY-MM-DD only those that count on that date."""

    serializer_class = CertificationOutput
    rows = staticmethod(certifications_visible_to)

    def get_queryset(self):
        certifications = super().get_queryset()
        valid_on = validated(CertificationFilterInput, self.request.query_params).get("valid_on")
        if valid_on is None:
            return certifications
        valid = valid_certifications(tenant=self.request.tenant, on=valid_on)
        return certifications.filter(pk__in=valid.values("pk"))

    @extend_schema(parameters=[VALID_ON])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CertificationDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = CertificationOutput
    rows = staticmethod(certifications_visible_to)


class CertificationCreateApi(APIView):
    permission_classes = [IsTenantMember]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=CertificationCreateInput, responses={201: CertificationOutput})
    def post(self, request):
        data = validated(CertificationCreateInput, request.data)
        contact = writer_contact(request)
        resources = resources_visible_to(tenant=request.tenant, contact=contact)
        resource = get_object_or_404(resources, pk=data.pop("resource"))
        certification = certification_submit(tenant=request.tenant, resource=resource, **data)
        return Response(CertificationOutput(certification).data, status=201)
