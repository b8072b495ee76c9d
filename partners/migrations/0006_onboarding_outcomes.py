from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_breach_notices")]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="onboarding_missed_on",
            field=models.DateField(
                blank=True, help_text="The day the onboarding deadline was found missed.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="feeinvoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("unpaid", "Unpaid"),
                    ("paid", "Paid"),
                    ("waived", "Waived"),
                    ("refund_due", "Refund due"),
                ],
                max_length=10,
            ),
        ),
    ]
