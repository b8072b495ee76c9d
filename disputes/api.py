"""API: partners file disputes and follow them; staff and API keys list the vendor's."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.models import Dispute, DisputeEvent, DisputeKind
from disputes.selectors import (
    clock_for,
    disputable_subject,
    disputes_visible_to,
    subject_in_words,
)
from disputes.services import dispute_file
from partners.permissions import partner_contact
from tenants.api_permissions import IsTenantMember
from tenants.errors import NotAllowed
from tenants.tasks import tenant_today
from tenants.validation import TEXT_MAX_LENGTH


class DisputeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DisputeKind.choices)
    subject_id = serializers.IntegerField(
        min_value=1, help_text="The evaluation's, registration's or commission line's id."
    )
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    results = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Evaluations only: the ids of the requirement results disputed.",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="PDF, PNG or JPEG files (multipart), at most 5 of 5 MB each.",
    )


class ClockOutput(serializers.Serializer):
    label = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    business_days_left = serializers.IntegerField(source="days_left", allow_null=True)
    overdue = serializers.BooleanField()
    text = serializers.CharField()


class StepOutput(serializers.ModelSerializer):
    step_label = serializers.CharField(source="get_step_display")

    class Meta:
        model = DisputeEvent
        fields = ("step", "step_label", "at", "text")


class DisputeOutput(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    firm = serializers.StringRelatedField()
    status_label = serializers.CharField(source="get_status_display")
    subject = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = (
            "id",
            "kind",
            "program",
            "firm",
            "subject",
            "status",
            "status_label",
            "reason",
            "filed_on",
            "filed_at",
            "response_due_on",
            "resolution_due_on",
            "responded_at",
            "escalated_at",
            "resolved_at",
            "resolution_note",
            "evidence",
        )

    def get_subject(self, dispute) -> str:
        return subject_in_words(dispute)

    def get_evidence(self, dispute) -> dict:
        """The frozen copy; a partner never sees conflict explanations (they name prospects)."""
        evidence = dict(dispute.evidence or {})
        if self.context.get("partner") and "matches" in evidence:
            evidence["matches"] = [
                {k: v for k, v in m.items() if k != "explanation"} for m in evidence["matches"]
            ]
        return evidence


class DisputeDetailOutput(DisputeOutput):
    clock = serializers.SerializerMethodField()
    timeline = StepOutput(many=True, read_only=True)

    class Meta(DisputeOutput.Meta):
        fields = (*DisputeOutput.Meta.fields, "clock", "timeline")

    @extend_schema_field(ClockOutput)
    def get_clock(self, dispute) -> dict:
        return ClockOutput(clock_for(dispute, tenant_today(dispute.tenant))).data


class NewestFirst(CursorPagination):
    """Keyset pages, newest first (served by dispute_recent_idx / dispute_firm_recent_idx)."""

    ordering = ("-filed_at", "-id")


def _visible(request):
    return disputes_visible_to(tenant=request.tenant, contact=partner_contact(request))


class DisputeListApi(ListAPIView):
    """Partners list their firm's disputes and file new ones; staff and API keys list all."""

    permission_classes = [IsTenantMember]
    serializer_class = DisputeOutput
    pagination_class = NewestFirst
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return _visible(self.request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "partner": bool(partner_contact(self.request))}

    @extend_schema(request=DisputeInput, responses={201: DisputeDetailOutput})
    def post(self, request):
        contact = partner_contact(request)
        if contact is None:
            raise NotAllowed("Disputes are filed by partners, from their own records.")
        data = DisputeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = disputable_subject(contact.firm, values["kind"], values["subject_id"])
        if subject is None:
            raise exceptions.NotFound("No such record of your firm.")
        dispute = dispute_file(
            tenant=request.tenant,
            firm=contact.firm,
            user=request.user,
            subject=subject,
            reason=values["reason"],
            result_ids=values["results"],
            attachments=request.FILES.getlist("attachments") or values["attachments"],
        )
        output = DisputeDetailOutput(dispute, context={"partner": True})
        return Response(output.data, status=status.HTTP_201_CREATED)


class DisputeDetailApi(APIView):
    """Follow one dispute: its frozen evidence, clock and timeline."""

    permission_classes = [IsTenantMember]

    @extend_schema(responses=DisputeDetailOutput)
    def get(self, request, pk: int):
        dispute = get_object_or_404(_visible(request), pk=pk)
        context = {"partner": partner_contact(request) is not None}
        return Response(DisputeDetailOutput(dispute, context=context).data)
