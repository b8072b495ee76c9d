"""Kinds become program data: the code enums go and every version declares its vocabularies.

The kind columns lose their code choices (rows keep their values) and certifications may
never expire. Versions stored before programs declared vocabularies -- published ones
included -- get the kinds their requirements name plus the kinds their vendor's records
already use, labelled as the retired enums labelled them, so every stored version still
validates (the loader refuses undeclared kinds) and every row keeps its label.
"""

from django.db import migrations, models

# The retired code enums (ActivityKind, CertificationKind, AttestationKind, Designation),
# frozen here as history: programs declare their own kinds now.
LABELS = {
    "activity_kinds": {
        "orientation": "Partner orientation",
        "annual_training": "Annual training session",
        "account_review_session": "Account review session",
        "co_branded_webinar": "Co-branded webinar",
        "customer_event_invitation": "Vendor invited to a customer event",
        "email_promotion": "E-mail promotion or newsletter feature",
        "dedicated_web_page": "Dedicated web page for the vendor",
        "qbr": "Quarterly business review",
        "pipeline_review": "Monthly pipeline review",
        "governance_meeting": "Quarterly governance meeting",
        "other": "Other",
    },
    "certification_kinds": {
        "sales": "Sales",
        "presales": "Presales",
        "ctl": "Certified Technical Lead (CTL)",
        "cie": "Certified Implementation Engineer (CIE)",
        "ced": "Certified Experience Developer (CED)",
        "experience_designer": "Experience Designer",
        "technical": "Technical",
        "other": "Other",
    },
    "attestation_kinds": {
        "website_lists_vendor": "Vendor listed on the partner's website",
        "vendor_branding_on_website": "Vendor branding on the website",
        "vendor_logo_on_website": "Vendor logo on the website",
        "directory_listing_current": "Directory listing up to date",
        "business_account_plan": "Business / account plan in place",
        "go_to_market_strategy": "Agreed go-to-market strategy",
        "end_customer_support_resources": "End-customer support",
        "other": "Other",
    },
    "designations": {
        "partner_manager": "Designated partner manager",
        "dedicated_partner_manager": "Dedicated partner manager",
    },
}

# metric -> (parameter, vocabulary), as programs.metrics had it when this was written
KIND_PARAMS = {
    "activity_count": ("kinds", "activity_kinds"),
    "attestation": ("kind", "attestation_kinds"),
    "certified_resources": ("certification", "certification_kinds"),
    "designated_contacts": ("role", "designations"),
}

# every certification expired a year after it was earned until programs said otherwise
VALIDITY_MONTHS = 12

SOURCE = "in use before programs declared vocabularies (migration partners 0004; old code label)"

TRIGGER = "programs_version_frozen"  # programs 0002: refuses UPDATE of published versions


def _kinds_in_rows(apps) -> dict[int, dict[str, set[str]]]:
    """tenant id -> vocabulary -> the keys that tenant's records use."""
    sources = {
        "activity_kinds": ("Activity", "kind"),
        "certification_kinds": ("Certification", "kind"),
        "attestation_kinds": ("Attestation", "kind"),
        "designations": ("PartnerContact", "designation"),
    }
    used: dict[int, dict[str, set[str]]] = {}
    for vocabulary, (model_name, column) in sources.items():
        model = apps.get_model("partners", model_name)
        pairs = model.objects.order_by().values_list("tenant_id", column).distinct()
        for tenant_id, key in pairs:
            if key:
                used.setdefault(tenant_id, {}).setdefault(vocabulary, set()).add(key)
    return used


def _item(vocabulary: str, key: str) -> dict:
    label = LABELS[vocabulary].get(key) or key.replace("_", " ").replace("-", " ").capitalize()
    item = {"key": key, "label": label, "default": False, "source": SOURCE}
    if vocabulary == "certification_kinds":
        item["validity_months"] = VALIDITY_MONTHS
    return item


def _ordered(vocabulary: str, keys: set[str]) -> list[str]:
    known = [key for key in LABELS[vocabulary] if key in keys]
    return known + sorted(keys - set(known))


def backfill(apps, schema_editor):
    ProgramVersion = apps.get_model("programs", "ProgramVersion")
    Requirement = apps.get_model("programs", "Requirement")
    in_rows = _kinds_in_rows(apps)
    named: dict[int, dict[str, set[str]]] = {}
    for version_id, metric, params in Requirement.objects.values_list(
        "version_id", "metric", "params"
    ):
        if metric not in KIND_PARAMS or not isinstance(params, dict):
            continue
        param, vocabulary = KIND_PARAMS[metric]
        value = params.get(param)
        keys = value if isinstance(value, list) else [value]
        bucket = named.setdefault(version_id, {}).setdefault(vocabulary, set())
        bucket.update(k for k in keys if isinstance(k, str) and k)
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # A published version is frozen; this fills a column it never had. The migration is
        # one transaction, so the trigger is back (or never left) whatever happens.
        schema_editor.execute(f"ALTER TABLE programs_programversion DISABLE TRIGGER {TRIGGER}")
    for version in ProgramVersion.objects.only("pk", "tenant_id", "vocabularies"):
        if version.vocabularies:
            continue
        keys = {vocabulary: set() for vocabulary in LABELS}
        for source in (named.get(version.pk, {}), in_rows.get(version.tenant_id, {})):
            for vocabulary, found in source.items():
                keys[vocabulary] |= found
        vocabularies = {
            vocabulary: [_item(vocabulary, key) for key in _ordered(vocabulary, found)]
            for vocabulary, found in keys.items()
        }
        ProgramVersion.objects.filter(pk=version.pk).update(vocabularies=vocabularies)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE programs_programversion ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_standing_history"),
        ("programs", "0003_vocabularies"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="certification",
            name="certification_expires_after_earned",
        ),
        migrations.AlterField(
            model_name="activity",
            name="kind",
            field=models.CharField(max_length=60),
        ),
        migrations.AlterField(
            model_name="attestation",
            name="kind",
            field=models.CharField(max_length=60),
        ),
        migrations.AlterField(
            model_name="certification",
            name="expires_on",
            field=models.DateField(
                blank=True,
                null=True,
                help_text="The first day it no longer counts; empty: never expires. Default: "
                "the kind's validity_months in the program.",
            ),
        ),
        migrations.AlterField(
            model_name="certification",
            name="kind",
            field=models.CharField(max_length=60),
        ),
        migrations.AlterField(
            model_name="partnercontact",
            name="designation",
            field=models.CharField(
                blank=True,
                max_length=60,
                help_text="A role the program counts (IPsoft: the partner's own partner manager).",
            ),
        ),
        migrations.AddConstraint(
            model_name="certification",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_on__isnull", True))
                | models.Q(("expires_on__gt", models.F("earned_on"))),
                name="certification_expires_after_earned",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
