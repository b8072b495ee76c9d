"""Read API for programs: partners and integrations read; managers write in the console."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.selectors import (
    program_today,
    programs_of,
    published_versions,
    version_in_force,
    with_versions_in_force_today,
)
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


class ProgramListApi(ListAPIView):
    """The vendor's programs by name, each with the version in force today, a page at a time."""

    permission_classes = [IsTenantMember]
    serializer_class = ProgramOutput

    def get_queryset(self):
        return programs_of(tenant=self.request.tenant).order_by("name", "pk")

    def list(self, request, *args, **kwargs):
        page = with_versions_in_force_today(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(ProgramOutput(page, many=True).data)


class ProgramVersionInForceApi(APIView):
    """The published version governing the program on a date, with its whole definition."""

    permission_classes = [IsTenantMember]

    @extend_schema(parameters=[ON_PARAMETER], responses=VersionDetailOutput)
    def get(self, request, program_slug: str):
        program = get_object_or_404(programs_of(tenant=request.tenant), slug=program_slug)
        params = OnDateInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        on = params.validated_data.get("on") or program_today(program)
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


class ProgramVersionListApi(ListAPIView):
    """A program's published versions, the newest first, a page at a time."""

    permission_classes = [IsTenantMember]
    serializer_class = VersionSummaryOutput

    def get_queryset(self):
        program_slug = self.kwargs["program_slug"]
        program = get_object_or_404(programs_of(tenant=self.request.tenant), slug=program_slug)
        return published_versions(program)
