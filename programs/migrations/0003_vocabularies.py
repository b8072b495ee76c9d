"""Each version declares its vocabularies (activity, certification, attestation kinds,
designations). Versions stored before are backfilled by partners 0004, which can see the
kinds their vendor's records use."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_published_versions_are_frozen")]

    operations = [
        migrations.AddField(
            model_name="programversion",
            name="vocabularies",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The kinds partners record and requirements count.",
            ),
        ),
    ]
