from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deals", "0005_registration_recent")]

    operations = [
        migrations.AlterField(
            model_name="dealregistration",
            name="decision_reason",
            field=models.TextField(blank=True, help_text="The reviewer's note to the partner."),
        ),
        migrations.AddField(
            model_name="dealregistration",
            name="rejection_reason",
            field=models.CharField(blank=True, default="", max_length=60, verbose_name="rejection reason key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dealregistration",
            name="rejection_reason_label",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="rejection reason"),
            preserve_default=False,
        ),
    ]
