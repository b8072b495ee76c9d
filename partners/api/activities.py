"""API for activities, attestations, releases, integration updates and support issues."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.people import (
    FirmRowsMixin,
    acting_firm,
    acting_user,
    review_status_field,
    validated,
)
from partners.api.vocabularies import KindLabelField
from partners.models import (
    Activity,
    Attestation,
    IntegrationUpdate,
    SupportIssue,
    VendorRelease,
)
from partners.selectors.activities import (
    activities_visible_to,
    attestations_visible_to,
    integration_updates_visible_to,
    releases_of,
    support_issues_visible_to,
)
from partners.services.activities import (
    activity_submit,
    attestation_submit,
    integration_update_record,
    support_issue_record,
)
from tenants.api_permissions import IsTenantMember

# Each input shares its output's component name (the input becomes "<Name>Request"), so
# every "kind" enum gets one clear name.
REVIEW_FIELDS = ("status", "rejection_reason", "submitted_at", "verified_at")


class FirmInput(serializers.Serializer):
    firm = serializers.IntegerField(required=False, help_text="Staff and API keys only.")


KIND_HELP = "A key of your programs' {} (GET vocabularies/ lists them with labels)."


@extend_schema_serializer(component_name="Activity")
class ActivityOutput(serializers.ModelSerializer):
    status = review_status_field()
    kind_label = KindLabelField("activity_kinds")

    class Meta:
        model = Activity
        fields = (
            "id",
            "firm",
            "kind",
            "kind_label",
            "occurred_on",
            "description",
            "evidence_url",
            *REVIEW_FIELDS,
        )


@extend_schema_serializer(component_name="Activity")
class ActivityCreateInput(FirmInput):
    kind = serializers.CharField(max_length=60, help_text=KIND_HELP.format("activity kinds"))
    occurred_on = serializers.DateField()
    description = serializers.CharField(max_length=500)
    evidence_url = serializers.URLField(required=False, default="")


@extend_schema_serializer(component_name="Attestation")
class AttestationOutput(serializers.ModelSerializer):
    status = review_status_field()
    kind_label = KindLabelField("attestation_kinds")

    class Meta:
        model = Attestation
        fields = (
            "id",
            "firm",
            "kind",
            "kind_label",
            "statement",
            "evidence_url",
            "valid_from",
            "valid_until",
            *REVIEW_FIELDS,
        )


@extend_schema_serializer(component_name="Attestation")
class AttestationCreateInput(FirmInput):
    kind = serializers.CharField(max_length=60, help_text=KIND_HELP.format("attestation kinds"))
    statement = serializers.CharField(max_length=500)
    evidence_url = serializers.URLField(required=False, default="")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_serializer(component_name="Release")
class ReleaseOutput(serializers.ModelSerializer):
    class Meta:
        model = VendorRelease
        fields = ("id", "product", "version", "kind", "released_on")


@extend_schema_serializer(component_name="IntegrationUpdate")
class IntegrationUpdateOutput(serializers.ModelSerializer):
    status = review_status_field()
    release = ReleaseOutput()

    class Meta:
        model = IntegrationUpdate
        fields = ("id", "firm", "release", "updated_on", "notes", *REVIEW_FIELDS)


@extend_schema_serializer(component_name="IntegrationUpdate")
class IntegrationUpdateCreateInput(FirmInput):
    release = serializers.IntegerField()
    updated_on = serializers.DateField()
    notes = serializers.CharField(max_length=500, required=False, default="")


class SupportIssueOutput(serializers.ModelSerializer):
    class Meta:
        model = SupportIssue
        fields = ("id", "firm", "reference", "summary", "opened_at", "resolved_at")


class SupportIssueCreateInput(FirmInput):
    reference = serializers.CharField(max_length=100)
    summary = serializers.CharField(max_length=500, required=False, default="")
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ActivityListApi(FirmRowsMixin, ListAPIView):
    serializer_class = ActivityOutput
    rows = staticmethod(activities_visible_to)


class ActivityDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = ActivityOutput
    rows = staticmethod(activities_visible_to)


class SubmitApi(APIView):
    """A partner (or staff, naming the firm) submits a record for verification; subclasses
    name the input, the output and the service."""

    permission_classes = [IsTenantMember]
    input_class: type[serializers.Serializer]
    output_class: type[serializers.Serializer]
    submit = staticmethod(activity_submit)

    def post(self, request):
        data = validated(self.input_class, request.data)
        firm = acting_firm(request, data.pop("firm", None))
        row = self.submit(
            tenant=request.tenant, firm=firm, submitted_by=acting_user(request), **data
        )
        return Response(self.output_class(row).data, status=201)


@extend_schema_view(
    post=extend_schema(request=ActivityCreateInput, responses={201: ActivityOutput})
)
class ActivityCreateApi(SubmitApi):
    input_class, output_class = ActivityCreateInput, ActivityOutput
    submit = staticmethod(activity_submit)


class AttestationListApi(FirmRowsMixin, ListAPIView):
    serializer_class = AttestationOutput
    rows = staticmethod(attestations_visible_to)


class AttestationDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = AttestationOutput
    rows = staticmethod(attestations_visible_to)


@extend_schema_view(
    post=extend_schema(request=AttestationCreateInput, responses={201: AttestationOutput})
)
class AttestationCreateApi(SubmitApi):
    input_class, output_class = AttestationCreateInput, AttestationOutput
    submit = staticmethod(attestation_submit)


class ReleaseListApi(ListAPIView):
    """The vendor's releases, which technology partners keep their integrations up with."""

    permission_classes = [IsTenantMember]
    serializer_class = ReleaseOutput

    def get_queryset(self):
        return releases_of(tenant=self.request.tenant)


class IntegrationUpdateListApi(FirmRowsMixin, ListAPIView):
    serializer_class = IntegrationUpdateOutput
    rows = staticmethod(integration_updates_visible_to)


class IntegrationUpdateDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = IntegrationUpdateOutput
    rows = staticmethod(integration_updates_visible_to)


class IntegrationUpdateCreateApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=IntegrationUpdateCreateInput, responses={201: IntegrationUpdateOutput})
    def post(self, request):
        data = validated(IntegrationUpdateCreateInput, request.data)
        firm = acting_firm(request, data.pop("firm", None))
        release = get_object_or_404(releases_of(tenant=request.tenant), pk=data.pop("release"))
        update = integration_update_record(
            tenant=request.tenant,
            firm=firm,
            release=release,
            submitted_by=acting_user(request),
            **data,
        )
        return Response(IntegrationUpdateOutput(update).data, status=201)


class SupportIssueListApi(FirmRowsMixin, ListAPIView):
    serializer_class = SupportIssueOutput
    rows = staticmethod(support_issues_visible_to)


class SupportIssueDetailApi(FirmRowsMixin, RetrieveAPIView):
    serializer_class = SupportIssueOutput
    rows = staticmethod(support_issues_visible_to)


class SupportIssueCreateApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=SupportIssueCreateInput, responses={201: SupportIssueOutput})
    def post(self, request):
        data = validated(SupportIssueCreateInput, request.data)
        firm = acting_firm(request, data.pop("firm", None))
        issue = support_issue_record(tenant=request.tenant, firm=firm, **data)
        return Response(SupportIssueOutput(issue).data, status=201)
