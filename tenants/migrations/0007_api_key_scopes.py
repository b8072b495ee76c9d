"""API keys hold scopes; keys issued before them keep what they could do: read and write."""

from django.db import migrations, models

import tenants.models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_row_level_security"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            # the default fills existing keys with read + write (not finance, not tax documents)
            field=models.JSONField(
                default=tenants.models.default_api_key_scopes,
                help_text="What the key may do: read, write, finance, tax documents.",
                validators=[tenants.models.validate_api_key_scopes],
            ),
        ),
    ]
