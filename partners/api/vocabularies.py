"""API: the kinds a firm may record, with their labels (its programs' vocabularies)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.models import PartnerFirm
from partners.permissions import partner_contact
from partners.selectors.vocabularies import firm_vocabularies, kind_labels, label_of
from tenants.api_permissions import IsTenantMember
from tenants.errors import ApplicationError


@extend_schema_field(OpenApiTypes.STR)
class KindLabelField(serializers.Field):
    """The label of a row's kind in its vendor's programs (labels are cached per response)."""

    def __init__(self, vocabulary: str, *, attribute: str = "kind", **kwargs):
        self.vocabulary, self.attribute = vocabulary, attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, row) -> str:
        cache = self.context.setdefault("_kind_labels", {})
        key = (row.tenant_id, self.vocabulary)
        if key not in cache:
            cache[key] = kind_labels(row.tenant_id, self.vocabulary)
        return label_of(getattr(row, self.attribute), cache[key])


class KindOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class CertificationKindOutput(KindOutput):
    validity_months = serializers.IntegerField(
        allow_null=True, help_text="Months a certification counts; null: it never expires."
    )


class VocabulariesOutput(serializers.Serializer):
    activity_kinds = KindOutput(many=True)
    certification_kinds = CertificationKindOutput(many=True)
    attestation_kinds = KindOutput(many=True)
    designations = KindOutput(many=True)


class VocabulariesFilterInput(serializers.Serializer):
    firm = serializers.IntegerField(required=False)


FIRM = OpenApiParameter(
    "firm", OpenApiTypes.INT, description="Staff and API keys: the partner firm to describe."
)


class VocabulariesApi(APIView):
    """The kinds the firm's programs declare: the only ones its records may use."""

    permission_classes = [IsTenantMember]

    @extend_schema(parameters=[FIRM], responses={200: VocabulariesOutput})
    def get(self, request):
        query = VocabulariesFilterInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        firm_id = query.validated_data.get("firm")
        contact = partner_contact(request)
        if contact is not None:
            if firm_id not in (None, contact.firm_id):
                raise NotFound()  # another firm's id: as if it did not exist
            firm = contact.firm
        elif firm_id is None:
            raise ApplicationError(
                "Say which partner firm to describe.", fields={"firm": ["Required."]}
            )
        else:
            firm = get_object_or_404(PartnerFirm.objects.filter(tenant=request.tenant), pk=firm_id)
        vocabularies = {
            name: list(kinds.values()) for name, kinds in firm_vocabularies(firm).items()
        }
        return Response(VocabulariesOutput(vocabularies).data)
