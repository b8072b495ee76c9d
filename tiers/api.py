"""API: evaluations with their evidence (partners: their own; staff: all)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.models import Enrolment
from partners.permissions import partner_contact
from tenants.api_permissions import IsTenantMember
from tiers.models import RequirementResult, TierAssignment, TierEvaluation
from tiers.selectors import tier_held_on, tier_timeline


class ResultOutput(serializers.ModelSerializer):
    class Meta:
        model = RequirementResult
        fields = (
            "tier",
            "requirement",
            "label",
            "metric",
            "comparator",
            "threshold",
            "value",
            "window_start",
            "window_end",
            "passed",
            "evidence",
        )


class EvaluationOutput(serializers.ModelSerializer):
    program_version = serializers.IntegerField(source="program_version.number")
    results = ResultOutput(many=True)

    class Meta:
        model = TierEvaluation
        fields = (
            "id",
            "enrolment",
            "program_version",
            "run_key",
            "as_of",
            "current_tier",
            "resulting_tier",
            "next_tier",
            "missing_for_next",
            "change",
            "effective_on",
            "status",
            "results",
        )


def visible_evaluations(request):
    evaluations = TierEvaluation.objects.select_related("program_version").prefetch_related(
        "results"
    )
    contact = partner_contact(request)
    if contact is not None:
        evaluations = evaluations.filter(enrolment__firm_id=contact.firm_id)
    return evaluations


class EvaluationListApi(ListAPIView):
    """Evaluations newest first; `?enrolment=<id>` narrows to one enrolment."""

    permission_classes = [IsTenantMember]
    serializer_class = EvaluationOutput

    def get_queryset(self):
        evaluations = visible_evaluations(self.request)
        if enrolment := self.request.query_params.get("enrolment"):
            evaluations = evaluations.filter(enrolment_id=enrolment)
        return evaluations.order_by("-as_of", "-pk")


class HeldPeriodOutput(serializers.Serializer):
    tier = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    source = serializers.CharField()
    reason = serializers.CharField()


class AssignmentOutput(serializers.ModelSerializer):
    class Meta:
        model = TierAssignment
        fields = (
            "id",
            "tier",
            "valid_from",
            "valid_to",
            "source",
            "reason",
            "replaces",
            "withdrawn_at",
            "created_at",
        )


class TierHistoryOutput(serializers.Serializer):
    enrolment = serializers.IntegerField()
    tier_on = serializers.CharField(allow_null=True)
    on = serializers.DateField()
    history = HeldPeriodOutput(many=True, help_text="The tier held, period by period.")
    records = AssignmentOutput(
        many=True,
        help_text="The append-only decisions behind it: corrections name the row they replace.",
    )


class TierHistoryApi(APIView):
    """An enrolment's tier on a date (`?on=YYYY-MM-DD`, default today) and its history."""

    permission_classes = [IsTenantMember]

    @extend_schema(responses=TierHistoryOutput)
    def get(self, request, enrolment_id: int):
        enrolments = Enrolment.objects.all()
        contact = partner_contact(request)
        if contact is not None:
            enrolments = enrolments.filter(firm_id=contact.firm_id)
        enrolment = get_object_or_404(enrolments, pk=enrolment_id)
        on = (
            serializers.DateField().to_internal_value(request.query_params["on"])
            if ("on" in request.query_params)
            else enrolment.tier_since.today()
        )
        data = {
            "enrolment": enrolment.pk,
            "on": on,
            "tier_on": tier_held_on(enrolment, on),
            "history": tier_timeline(enrolment),
            "records": TierAssignment.objects.filter(enrolment=enrolment).order_by("pk"),
        }
        return Response(TierHistoryOutput(data).data)
