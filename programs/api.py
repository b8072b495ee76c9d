"""Read API for programs: partners and integrations read; managers write in the console."""

import datetime
import zoneinfo

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.selectors import programs_of, published_versions, version_in_force
from programs.serialization import canonical, version_document
from programs.serializers import ProgramOutput, VersionDetailOutput, VersionSummaryOutput
from tenants.api_permissions import IsTenantMember

ON_PARAMETER = OpenApiParameter(
    "on",
    OpenApiTypes.DATE,
    description="The date (YYYY-MM-DD); default: today in the program's time zone.",
)


class OnDateInput(serializers.Serializer):
    on = serializers.DateField(required=False)


def _today_for(program) -> datetime.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(program.time_zone)).date()


class ProgramListApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=ProgramOutput(many=True))
    def get(self, request):
        programs = list(programs_of(tenant=request.tenant))
        for program in programs:
            program.version_in_force = version_in_force(program, _today_for(program))
        return Response(ProgramOutput(programs, many=True).data)


class ProgramVersionInForceApi(APIView):
    """The published version governing the program on a date, with its whole definition."""

    permission_classes = [IsTenantMember]

    @extend_schema(parameters=[ON_PARAMETER], responses=VersionDetailOutput)
    def get(self, request, program_slug: str):
        program = get_object_or_404(programs_of(tenant=request.tenant), slug=program_slug)
        params = OnDateInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        on = params.validated_data.get("on") or _today_for(program)
        version = version_in_force(program, on)
        if version is None:
            raise NotFound(f"No version of {program.name} is in force on {on:%Y-%m-%d}.")
        data = {
            "number": version.number,
            "label": version.label,
            "effective_from": version.effective_from,
            "published_at": version.published_at,
            "definition": canonical(version_document(version)),
        }
        return Response(VersionDetailOutput(data).data)


class ProgramVersionListApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=VersionSummaryOutput(many=True))
    def get(self, request, program_slug: str):
        program = get_object_or_404(programs_of(tenant=request.tenant), slug=program_slug)
        return Response(VersionSummaryOutput(published_versions(program), many=True).data)
