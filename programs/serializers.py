from rest_framework import serializers

from programs.models import Program, ProgramVersion


class VersionSummaryOutput(serializers.ModelSerializer):
    class Meta:
        model = ProgramVersion
        fields = ("number", "label", "effective_from", "published_at")


class ProgramOutput(serializers.ModelSerializer):
    version_in_force = VersionSummaryOutput(allow_null=True)

    class Meta:
        model = Program
        fields = ("slug", "name", "currency", "time_zone", "version_in_force")


class VersionDetailOutput(serializers.Serializer):
    """A published version: its summary and its whole definition document."""

    number = serializers.IntegerField()
    label = serializers.CharField()
    effective_from = serializers.DateField()
    published_at = serializers.DateTimeField()
    definition = serializers.JSONField(
        help_text="The definition in the documented format: tiers with requirements, benefits, "
        "term, fees, evaluation and commission policy."
    )
