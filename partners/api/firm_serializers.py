from rest_framework import serializers

from partners.models import PartnerContact, PartnerFirm


class ContactOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = PartnerContact
        fields = ("id", "email", "role")


class FirmOutput(serializers.ModelSerializer):
    class Meta:
        model = PartnerFirm
        fields = ("id", "name", "website", "country", "created_at")


class FirmDetailOutput(FirmOutput):
    contacts = ContactOutput(many=True, source="active_contacts")

    class Meta(FirmOutput.Meta):
        fields = (*FirmOutput.Meta.fields, "contacts")


class MeOutput(serializers.Serializer):
    tenant = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    staff_role = serializers.CharField(allow_null=True)
    partner_firm = FirmOutput(allow_null=True)
    partner_role = serializers.CharField(allow_null=True)
    api_key = serializers.CharField(allow_null=True)
