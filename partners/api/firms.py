from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.firm_serializers import FirmDetailOutput, FirmOutput, MeOutput
from partners.permissions import partner_contact
from partners.selectors import firm_contacts, firms_visible_to
from tenants.api_permissions import IsTenantMember
from tenants.models import ApiKey


class MeApi(APIView):
    """Who the caller is in this vendor's PRM."""

    permission_classes = [IsTenantMember]

    @extend_schema(responses=MeOutput)
    def get(self, request):
        contact = partner_contact(request)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        data = {
            "tenant": request.tenant.slug,
            "email": request.user.email if request.user.is_authenticated else None,
            "staff_role": request.staff_membership.role if request.staff_membership else None,
            "partner_firm": contact.firm if contact else None,
            "partner_role": contact.role if contact else None,
            "api_key": key.name if key else None,
        }
        return Response(MeOutput(data).data)


class FirmListApi(ListAPIView):
    """Partner firms: all of them for staff and API keys, one's own for a partner."""

    permission_classes = [IsTenantMember]
    serializer_class = FirmOutput

    def get_queryset(self):
        return firms_visible_to(tenant=self.request.tenant, contact=partner_contact(self.request))


class FirmDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=FirmDetailOutput)
    def get(self, request, firm_id: int):
        firms = firms_visible_to(tenant=request.tenant, contact=partner_contact(request))
        firm = get_object_or_404(firms, pk=firm_id)
        firm.active_contacts = firm_contacts(firm=firm)
        return Response(FirmDetailOutput(firm).data)
