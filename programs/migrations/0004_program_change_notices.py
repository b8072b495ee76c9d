import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_vocabularies"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProgramChangeNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("effective_from", models.DateField(help_text="The day the changed rules take effect.")),
                ("notice_days", models.PositiveIntegerField(help_text="The notice period the program required when the change was published.")),
                ("changes", models.JSONField(default=list, help_text="What changed, in words.")),
                ("given_at", models.DateTimeField()),
                ("mailed_at", models.DateTimeField(blank=True, help_text="When the e-mails to the program's partners went out.", null=True)),
                ("given_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("previous_version", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="programs.programversion")),
                ("program", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="change_notices", to="programs.program")),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant")),
                ("version", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="change_notice", to="programs.programversion")),
            ],
            options={
                "ordering": ["-given_at"],
            },
        ),
        migrations.CreateModel(
            name="ProgramChangeNoticeRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("read_at", models.DateTimeField(auto_now_add=True)),
                ("notice", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reads", to="programs.programchangenotice")),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("notice", "user"), name="change_notice_read_once")],
            },
        ),
    ]
