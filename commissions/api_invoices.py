"""API: partner invoices (a negative month's net owed by the partner) and their payment."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from commissions.invoices import partner_invoice_record_payment
from commissions.models import PartnerInvoice
from deals.api.orders import MoneyOutput
from partners.permissions import partner_contact
from tenants.api_permissions import IsTenantMember, is_tenant_api_key, is_tenant_staff
from tenants.errors import NotAllowed
from tenants.models import FINANCE_ROLES, ApiKeyScope


def visible_invoices(request):
    """A partner's own firm's invoices; finance, tenant admins and API keys: every firm's."""
    contact = partner_contact(request)
    invoices = PartnerInvoice.objects.filter(tenant=request.tenant).select_related("firm")
    if contact is not None:
        return invoices.filter(firm=contact.firm).order_by("-pk")
    if is_tenant_api_key(request) or is_tenant_staff(request, FINANCE_ROLES):
        return invoices.order_by("-pk")  # newest first, by the primary key's index
    return invoices.none()


class PartnerInvoiceOutput(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name")
    batch = serializers.IntegerField(source="batch_id")
    amount = MoneyOutput(source="amount_minor")

    class Meta:
        model = PartnerInvoice
        fields = (
            "id",
            "number",
            "firm",
            "firm_name",
            "batch",
            "amount",
            "currency",
            "issued_on",
            "due_on",
            "status",
        )


class PartnerInvoiceListApi(ListAPIView):
    """Partner invoices, newest first: a partner's own firm's, or (finance) every firm's."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)
    serializer_class = PartnerInvoiceOutput

    def get_queryset(self):
        return visible_invoices(self.request)


class PartnerInvoicePaymentApi(APIView):
    """Record that the partner paid an open invoice; finance only."""

    permission_classes = [IsTenantMember]
    api_key_scopes = (ApiKeyScope.FINANCE,)

    @extend_schema(request=None, responses=PartnerInvoiceOutput)
    def post(self, request, invoice_id: int):
        invoice = get_object_or_404(visible_invoices(request), pk=invoice_id)
        if not is_tenant_staff(request, FINANCE_ROLES):
            raise NotAllowed("Only finance records payments of partner invoices.")
        invoice = partner_invoice_record_payment(tenant=request.tenant, invoice=invoice)
        return Response(PartnerInvoiceOutput(invoice).data)
