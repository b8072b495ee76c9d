"""API: commission lines, statements and claims (partners: their own); batches for finance."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from commissions import downloads
from commissions.claims import claim_submit
from commissions.models import Claim, CommissionLine, PayoutBatch, PayoutLine
from commissions.payouts import batch_approve, batch_record_payment
from commissions.selectors import (
    claims_of,
    commission_lines_of,
    payout_batches_of,
    payout_lines_of,
    statements_of,
)
from deals.api.orders import MoneyInput, MoneyOutput, money_column
from deals.models.orders import order_title
from partners.models import Enrolment
from partners.permissions import partner_contact
from programs.models import Program
from programs.selectors import program_today
from tenants.api_permissions import IsTenantMember, IsTenantStaff, is_tenant_staff
from tenants.api_rows import Computed, RowListApi, Rows
from tenants.api_schema import file_responses
from tenants.errors import ApplicationError, NotAllowed
from tenants.models import FINANCE_ROLES, ApiKeyScope


def _firm(request):
    """The partner's firm, or None for staff and API keys (who see every firm)."""
    contact = partner_contact(request)
    return contact.firm if contact is not None else None


class CommissionLineOutput(serializers.ModelSerializer):
    order = serializers.CharField(source="order.__str__")
    product = serializers.CharField(source="order_line.product_code")
    program = serializers.CharField(source="program.slug")
    basis = MoneyOutput(source="basis_minor")
    amount = MoneyOutput(source="amount_minor")

    class Meta:
        model = CommissionLine
        fields = (
            "id",
            "order",
            "product",
            "program",
            "firm",
            "completed_on",
            "tier_key",
            "rule_key",
            "basis_minor",
            "basis",
            "rate",
            "amount_minor",
            "amount",
            "currency",
            "earned",
            "explanation",
        )


#: the list's page as rows, the same JSON as CommissionLineOutput (tenants/api_rows.py)
COMMISSION_LINE_ROWS = Rows(
    CommissionLineOutput,
    order=Computed(
        ("order__external_id", "order_id", "order__customer__name"),
        lambda row: order_title(
            row["order__external_id"], row["order_id"], row["order__customer__name"]
        ),
    ),
    basis=money_column("basis_minor"),
    amount=money_column("amount_minor"),
)


class NewestCompleted(CursorPagination):
    """Keyset pages, newest completion first (the `commline_*_recent_idx` indexes): a page
    is an index range, and no COUNT runs over a partner's (or the tenant's) whole history."""

    ordering = ("-completed_on", "-id")


class CommissionLineListApi(RowListApi):
    """Each calculated order line, with what it earned and why."""

    permission_classes = [IsTenantMember]
    serializer_class = CommissionLineOutput
    rows = COMMISSION_LINE_ROWS
    pagination_class = NewestCompleted

    def get_queryset(self):
        return commission_lines_of(_firm(self.request))


class StatementOutput(serializers.ModelSerializer):
    program = serializers.CharField(source="batch.program.slug")
    period = serializers.DateField(source="batch.period")
    currency = serializers.CharField(source="batch.currency")
    batch_status = serializers.CharField(source="batch.status")
    accruals = MoneyOutput(source="accruals_minor", currency="batch.currency")
    clawbacks = MoneyOutput(source="clawbacks_minor", currency="batch.currency")
    corrections = MoneyOutput(source="corrections_minor", currency="batch.currency")
    net = MoneyOutput(source="net_minor", currency="batch.currency")
    withholding = MoneyOutput(source="withholding_minor", currency="batch.currency")
    payable = MoneyOutput(source="payable_minor", currency="batch.currency")

    class Meta:
        model = PayoutLine
        fields = (
            "id",
            "batch",
            "program",
            "period",
            "currency",
            "firm",
            "accruals_minor",
            "clawbacks_minor",
            "corrections_minor",
            "net_minor",
            "withholding_minor",
            "payable_minor",
            "accruals",
            "clawbacks",
            "corrections",
            "net",
            "withholding",
            "payable",
            "status",
            "hold_reason",
            "final_payment_of",
            "batch_status",
            "statement_hash",
        )


class StatementListApi(ListAPIView):
    """Monthly statements (one per partner per batch); `…/<id>/pdf/` downloads one."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)
    serializer_class = StatementOutput

    def get_queryset(self):
        return statements_of(_firm(self.request))


class StatementPdfApi(APIView):
    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(responses=file_responses("application/pdf"))
    def get(self, request, line_id: int):
        return downloads.statement_file(
            get_object_or_404(statements_of(_firm(request)), pk=line_id)
        )


class ClaimInput(serializers.Serializer):
    program = serializers.SlugField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    event_on = serializers.DateField()
    amount = MoneyInput()
    description = serializers.CharField()


class ClaimOutput(serializers.ModelSerializer):
    program = serializers.CharField(source="program.slug")
    amount = MoneyOutput(source="amount_minor")

    class Meta:
        model = Claim
        fields = (
            "id",
            "program",
            "firm",
            "kind",
            "event_on",
            "submitted_on",
            "amount_minor",
            "amount",
            "currency",
            "description",
            "status",
            "decision_reason",
        )


class ClaimListApi(ListAPIView):
    """Claims: partners list and submit their own; staff list all, a page at a time."""

    permission_classes = [IsTenantMember]
    serializer_class = ClaimOutput

    def get_queryset(self):
        return claims_of(_firm(self.request))

    @extend_schema(request=ClaimInput, responses={201: ClaimOutput})
    def post(self, request):
        firm = _firm(request)
        if firm is None:
            raise NotAllowed("Claims are submitted by the partner; finance books corrections.")
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolled = Enrolment.objects.filter(firm=firm).values("program_id")
        program = Program.objects.filter(
            pk__in=enrolled, slug=data.validated_data["program"]
        ).first()
        if program is None:
            raise ApplicationError("Not one of your programs.", fields={"program": ["Unknown."]})
        claim = claim_submit(
            tenant=request.tenant,
            firm=firm,
            program=program,
            kind=data.validated_data["kind"],
            event_on=data.validated_data["event_on"],
            amount=data.validated_data["amount"],
            description=data.validated_data["description"],
            today=program_today(program),
            user=request.user,
        )
        return Response(ClaimOutput(claim).data, status=status.HTTP_201_CREATED)


class BatchOutput(serializers.ModelSerializer):
    """A batch's summary; its lines are a list of their own (`payout-batches/<id>/lines/`)."""

    program = serializers.CharField(source="program.slug")
    line_count = serializers.IntegerField()
    total_net_minor = serializers.IntegerField()
    total_payable_minor = serializers.IntegerField()
    total_net = MoneyOutput(source="total_net_minor")
    total_payable = MoneyOutput(source="total_payable_minor")

    class Meta:
        model = PayoutBatch
        fields = (
            "id",
            "program",
            "period",
            "cutoff",
            "due_on",
            "currency",
            "status",
            "approved_at",
            "paid_at",
            "payment_reference",
            "line_count",
            "total_net_minor",
            "total_payable_minor",
            "total_net",
            "total_payable",
        )


class BatchListApi(ListAPIView):
    """Payout batches with their totals (staff and API keys)."""

    permission_classes = [IsTenantStaff]
    api_key_scopes = (ApiKeyScope.FINANCE,)
    serializer_class = BatchOutput

    def get_queryset(self):
        return payout_batches_of(self.request.tenant)


class BatchDetailApi(APIView):
    permission_classes = [IsTenantStaff]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(responses=BatchOutput)
    def get(self, request, batch_id: int):
        batch = get_object_or_404(payout_batches_of(request.tenant), pk=batch_id)
        return Response(BatchOutput(batch).data)


class BatchLineListApi(ListAPIView):
    """One batch's partner lines, a page at a time (staff and API keys)."""

    permission_classes = [IsTenantStaff]
    api_key_scopes = (ApiKeyScope.FINANCE,)
    serializer_class = StatementOutput

    def get_queryset(self):
        batches = PayoutBatch.objects.filter(tenant=self.request.tenant)
        batch = get_object_or_404(batches, pk=self.kwargs["batch_id"])
        return payout_lines_of(batch)


def _finance_only(request) -> None:
    if not is_tenant_staff(request, FINANCE_ROLES):
        raise NotAllowed("Only finance approves and pays payout batches.")


class PaymentInput(serializers.Serializer):
    reference = serializers.CharField()
    paid_on = serializers.DateField()


class BatchMoveApi(APIView):
    """`approve` (no body) or `pay` ({reference, paid_on}) a batch; finance only."""

    permission_classes = [IsTenantStaff]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(request=PaymentInput, responses=BatchOutput)
    def post(self, request, batch_id: int, move: str):
        if move not in ("approve", "pay"):
            raise NotFound()
        _finance_only(request)
        batch = get_object_or_404(PayoutBatch.objects.all(), pk=batch_id)
        today = program_today(batch.program)
        if move == "approve":
            batch = batch_approve(
                tenant=request.tenant, batch=batch, user=request.user, today=today
            )
        else:
            data = PaymentInput(data=request.data)
            data.is_valid(raise_exception=True)
            batch = batch_record_payment(
                tenant=request.tenant, batch=batch, user=request.user, **data.validated_data
            )
        return Response(BatchOutput(payout_batches_of(request.tenant).get(pk=batch.pk)).data)


class BatchExportApi(APIView):
    """The batch as `csv`, `xlsx` or `pdf` (finance's files)."""

    permission_classes = [IsTenantStaff]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, "path", enum=list(downloads.BATCH_FILES))
        ],
        responses=file_responses(
            "text/csv", downloads.XLSX, "application/pdf", description="csv, xlsx or pdf by kind."
        ),
    )
    def get(self, request, batch_id: int, kind: str):
        if kind not in downloads.BATCH_FILES:
            raise NotFound()
        batch = get_object_or_404(PayoutBatch.objects.select_related("program"), pk=batch_id)
        return downloads.batch_file(batch, kind)
