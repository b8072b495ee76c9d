"""CSV imports: the partners' registrations page and the staff API endpoint."""

import csv
import datetime
from dataclasses import asdict

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.imports import (
    IMPORT_ROLES,
    KINDS,
    STAFF_KINDS,
    ImportRefused,
    csv_import,
    import_job_queue,
)
from deals.imports_registrations import registering_programs
from deals.models import ImportJob
from partners.views.access import partner_required
from tenants.api_permissions import IsTenantStaff, is_tenant_api_key, is_tenant_staff
from tenants.errors import NotAllowed

FILE_HELP = "A UTF-8 CSV file with the header row first, at most 10 MB."


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text=FILE_HELP)


def _example_lead(today: datetime.date) -> dict[str, str]:
    return {
        "external_id": "LEAD-0001",
        "company_name": "Example Prospect Pty Ltd",
        "domain": "prospect.example",
        "country": "AU",
        "contact_name": "Jane Citizen",
        "contact_email": "jane@prospect.example",
        "products": "What they are interested in",
        "estimated_value": "12500.00",
        "expected_close_on": (today + datetime.timedelta(days=90)).isoformat(),
        "notes": "Replace this row with your leads",
    }


@partner_required
def registration_import_template(request: HttpRequest) -> HttpResponse:
    """A CSV to fill in: the header row and one example lead (valid as it stands)."""
    columns = KINDS["registrations"].columns
    example = _example_lead(timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deal-registrations-template.csv"'
    writer = csv.writer(response)
    writer.writerow(columns)
    writer.writerow([example.get(column, "") for column in columns])
    return response


@partner_required
def registration_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of leads; each row is submitted for the partner's own firm, or none is."""
    firm = request.contact.firm
    form = UploadForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            result = csv_import(
                tenant=request.tenant,
                kind="registrations",
                file=form.cleaned_data["file"],
                user=request.user,
                firm=firm,
            )
        except ImportRefused as exc:
            refused = exc
        else:
            messages.success(request, f"Registrations imported: {result}.")
            return redirect("portal_deal_import", tenant_slug=request.tenant.slug)
    context = {
        "firm": firm,
        "form": form,
        "refused": refused,
        "columns": KINDS["registrations"].columns,
        "programs": registering_programs(firm),
    }
    return render(request, "deals/imports/registrations.html", context)


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text=FILE_HELP + " Formats: docs/imports.md.")


class ImportOutput(serializers.Serializer):
    kind = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportRowError(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: header = 1; 0 = file.")
    column = serializers.CharField(help_text="Empty when the problem is the whole row.")
    message = serializers.CharField()


class ImportErrorBody(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    rows = ImportRowError(
        many=True, required=False, help_text="Every bad row, when the file itself was read."
    )


class ImportErrorOutput(serializers.Serializer):
    error = ImportErrorBody()


class ImportApi(APIView):
    """Import a CSV of customers, orders or refunds (multipart `file`): all of it or nothing."""

    permission_classes = [IsTenantStaff]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, "path", enum=STAFF_KINDS)],
        request=ImportInput,
        responses={200: ImportOutput, 400: ImportErrorOutput},
    )
    def post(self, request, kind: str):
        _may_import(request, kind)
        params = ImportInput(data=request.data)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        try:
            result = csv_import(
                tenant=request.tenant, kind=kind, file=params.validated_data["file"], user=user
            )
        except ImportRefused as exc:
            # The one error format, plus the rows as data so an integration needs no parsing.
            error = {"code": exc.code, "message": exc.message, "fields": exc.fields}
            rows = [asdict(row_error) for row_error in exc.errors]
            return Response({"error": error | {"rows": rows}}, status=400)
        return Response(ImportOutput(result).data)


class ImportJobOutput(serializers.ModelSerializer):
    errors = ImportRowError(many=True, help_text="Every problem, when the file was refused.")
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "kind",
            "status",
            "status_label",
            "created",
            "updated",
            "unchanged",
            "message",
            "errors",
            "created_at",
            "finished_at",
        )


def _may_import(request, kind: str) -> None:
    if kind not in STAFF_KINDS:
        raise NotFound(f"No import of {kind!r}; use {', '.join(STAFF_KINDS)}.")
    if not (is_tenant_api_key(request) or is_tenant_staff(request, IMPORT_ROLES[kind])):
        raise NotAllowed(f"Your role cannot import {kind}.")


class ImportJobCreateApi(APIView):
    """Queue a large CSV import for a worker (multipart `file`): the answer comes at once
    (202) and `imports/jobs/<id>/` tells how it went, all of the file or nothing."""

    permission_classes = [IsTenantStaff]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, "path", enum=STAFF_KINDS)],
        request=ImportInput,
        responses={202: ImportJobOutput},
    )
    def post(self, request, kind: str):
        _may_import(request, kind)
        params = ImportInput(data=request.data)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        job = import_job_queue(
            tenant=request.tenant, kind=kind, file=params.validated_data["file"], user=user
        )
        location = reverse(
            "api_import_job", kwargs={"tenant_slug": request.tenant.slug, "job_id": job.pk}
        )
        return Response(ImportJobOutput(job).data, status=202, headers={"Location": location})


class ImportJobApi(APIView):
    """A queued import: queued, running, imported (with its counts) or refused (with every
    row's problem)."""

    permission_classes = [IsTenantStaff]

    @extend_schema(responses=ImportJobOutput)
    def get(self, request, job_id: int):
        job = get_object_or_404(ImportJob.objects.filter(tenant=request.tenant), pk=job_id)
        _may_import(request, job.kind)
        return Response(ImportJobOutput(job).data)
