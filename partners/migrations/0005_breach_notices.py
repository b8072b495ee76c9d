import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_program_vocabularies"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BreachNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("description", models.TextField(help_text="The breach, as the written notice states it.")),
                ("given_on", models.DateField(help_text="The day the written notice was given.")),
                ("cure_days", models.PositiveIntegerField(help_text="The program's cure period (term.cure_days_for_breach) when notice was given.")),
                ("cure_by", models.DateField(help_text="The last day the partner may cure the breach.")),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("cured_at", models.DateTimeField(blank=True, null=True)),
                ("cure_note", models.TextField(blank=True)),
                ("cured_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("enrolment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="breach_notices", to="partners.enrolment")),
                ("recorded_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant")),
                ("termination", models.OneToOneField(blank=True, help_text="The notice of termination for cause this breach led to.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="breach", to="partners.notice")),
            ],
            options={
                "ordering": ["-given_on", "-pk"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("cure_by__gte", models.F("given_on"))), name="cure_by_after_notice"),
                    models.CheckConstraint(condition=models.Q(("cured_at__isnull", True), ("termination__isnull", True), _connector="OR"), name="breach_cured_or_terminated"),
                ],
            },
        ),
    ]
