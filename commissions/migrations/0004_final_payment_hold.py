import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    # partners.Enrolment, programs.Program and the user model come in through 0001's
    # dependencies
    dependencies = [
        ("commissions", "0003_list_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="payoutline",
            name="final_payment_of",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "Held as the final payment of this ended enrolment, until finance releases it."
                ),
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.enrolment",
            ),
        ),
        migrations.CreateModel(
            name="FinalPaymentRelease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "held_minor",
                    models.BigIntegerField(help_text="What was held when it was released."),
                ),
                ("currency", models.CharField(max_length=3)),
                ("note", models.TextField()),
                ("released_at", models.DateTimeField()),
                (
                    "batch",
                    models.ForeignKey(
                        blank=True,
                        help_text="The batch page the release was made from.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="commissions.payoutbatch",
                    ),
                ),
                (
                    "enrolment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="final_payment_release",
                        to="partners.enrolment",
                    ),
                ),
                (
                    "firm",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partnerfirm",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="programs.program",
                    ),
                ),
                (
                    "released_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["-released_at", "-pk"],
            },
        ),
    ]
