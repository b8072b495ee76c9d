"""Programs as versioned data: a program has numbered versions; a published one never changes."""

from django.conf import settings
from django.db import models

from tenants.errors import ApplicationError
from tenants.managers import TenantScopedManager, TenantScopedQuerySet
from tenants.models import TenantOwned


class PublishedVersionError(ApplicationError):
    code = "version_published"

    def __init__(self, version_id: int | None = None):
        super().__init__(
            "This program version is published and cannot change; create a new draft instead."
        )
        self.version_id = version_id


class Program(TenantOwned):
    """A vendor's partner program; its rules live in its versions."""

    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    time_zone = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["tenant", "name", "id"], name="program_list_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="program_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def _version_is_published(version_id: int | None) -> bool:
    if version_id is None:
        return False
    return ProgramVersion._base_manager.filter(
        pk=version_id, status=VersionStatus.PUBLISHED
    ).exists()


class ProgramVersionQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        # Publishing claims drafts with a conditional update; published rows stay as they are.
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise PublishedVersionError()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise PublishedVersionError()
        return super().delete()


class ProgramVersion(TenantOwned):
    """One numbered, effective-dated edition of a program's rules.

    Sections that are one block per version (term, fees, evaluation, ...) are JSON
    validated against programs.schema; sections that are lists people edit row by
    row (tracks, tiers, requirements, benefits, commission rules) are rows.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    label = models.CharField(max_length=200, blank=True)
    effective_from = models.DateField(help_text="The first day this version governs.")
    version_source = models.CharField(max_length=500)
    program_info = models.JSONField(help_text="The program block (name, currency, ...).")
    registration = models.JSONField()
    track_policy = models.JSONField(help_text="selection (none/one/several), ordered, source")
    term = models.JSONField()
    fees = models.JSONField(null=True, blank=True)
    onboarding = models.JSONField(null=True, blank=True)
    evaluation = models.JSONField()
    deal_registration = models.JSONField(null=True, blank=True)
    commission_policy = models.JSONField(
        null=True, blank=True, help_text="Payment, claims and exclusivity; rules are rows."
    )
    obligations = models.JSONField(default=list, blank=True)
    disputes = models.JSONField(
        null=True, blank=True, help_text="Response and resolution times of partners' disputes."
    )
    vocabularies = models.JSONField(
        default=dict, blank=True, help_text="The kinds partners record and requirements count."
    )
    source_file = models.CharField(max_length=300, blank=True)
    digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = TenantScopedManager.from_queryset(ProgramVersionQuerySet)()

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["program"], condition=models.Q(status="draft"), name="one_draft_per_program"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} v{self.number} ({self.get_status_display().lower()})"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    def save(self, *args, **kwargs) -> None:
        # Immutability is a rule of the data, not of the admin: refuse at the model too.
        if _version_is_published(self.pk):
            raise PublishedVersionError(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _version_is_published(self.pk):
            raise PublishedVersionError(self.pk)
        return super().delete(*args, **kwargs)


class VersionPartQuerySet(TenantScopedQuerySet):
    def _refuse_if_published(self) -> None:
        published = self.filter(version__status=VersionStatus.PUBLISHED)
        if published.exists():
            raise PublishedVersionError()

    def update(self, **kwargs):
        self._refuse_if_published()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_published()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(_version_is_published(v) for v in {obj.version_id for obj in objs}):
            raise PublishedVersionError()
        return super().bulk_create(objs, *args, **kwargs)


class VersionPart(TenantOwned):
    """A row inside a program version; frozen once the version is published."""

    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=500, help_text="The seed section this encodes.")

    objects = TenantScopedManager.from_queryset(VersionPartQuerySet)()

    class Meta:
        abstract = True
        ordering = ["version", "position"]

    def save(self, *args, **kwargs) -> None:
        if _version_is_published(self.version_id):
            raise PublishedVersionError(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _version_is_published(self.version_id):
            raise PublishedVersionError(self.version_id)
        return super().delete(*args, **kwargs)


class Track(VersionPart):
    """A parallel dimension a partner enrols in (Simpro module, IPsoft classification)."""

    class Enrolment(models.TextChoices):
        SELF_SERVICE = "self_service", "Partners choose it"
        CONTACT_REQUEST = "contact_request", "By contact request only"

    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(max_length=200)
    enrolment = models.CharField(
        max_length=20, choices=Enrolment.choices, default=Enrolment.SELF_SERVICE
    )
    description = models.TextField(blank=True)

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="track_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Tier(VersionPart):
    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=200)
    rank = models.PositiveIntegerField()
    entry = models.BooleanField(default=False, help_text="The tier a new enrolment starts in.")
    invite_only = models.BooleanField(default=False, help_text="Never granted by evaluation.")
    requires_lower = models.BooleanField(
        default=False, help_text="Lower tiers' requirements must hold too."
    )
    description = models.TextField(blank=True)

    class Meta(VersionPart.Meta):
        ordering = ["version", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="tier_key_unique"),
            models.UniqueConstraint(fields=["version", "rank"], name="tier_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Comparator(models.TextChoices):
    GTE = ">=", "at least"
    GT = ">", "more than"
    LTE = "<=", "at most"
    LT = "<", "less than"
    EQ = "==", "exactly"
    IS_TRUE = "is true", "is true"


class Requirement(VersionPart):
    """metric + comparator + threshold over a window (+ track scope and parameters)."""

    version = models.ForeignKey(
        ProgramVersion, on_delete=models.CASCADE, related_name="requirements"
    )
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="requirements")
    label = models.CharField(max_length=300)
    metric = models.CharField(max_length=60)
    comparator = models.CharField(max_length=8, choices=Comparator.choices)
    threshold = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    window_kind = models.CharField(max_length=30)
    window_months = models.PositiveIntegerField(null=True, blank=True)
    tracks = models.JSONField(default=list, blank=True, help_text="Track keys; empty = all.")
    params = models.JSONField(default=dict, blank=True)
    is_default = models.BooleanField(
        default=False, help_text="An editable default where the program document is silent."
    )

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="requirement_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Benefit(VersionPart):
    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="benefits")
    name = models.CharField(max_length=300)
    category = models.CharField(max_length=40, blank=True)
    tiers = models.JSONField(default=list, help_text="Tier keys it applies to.")
    tracks = models.JSONField(default=list, blank=True, help_text="Track keys; empty = all.")
    note = models.CharField(max_length=300, blank=True)

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="benefit_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CommissionRule(VersionPart):
    """How a product category earns: basis x rate by tier x filters x eligibility conditions."""

    version = models.ForeignKey(
        ProgramVersion, on_delete=models.CASCADE, related_name="commission_rules"
    )
    name = models.CharField(max_length=300)
    product_category = models.CharField(max_length=60)
    basis = models.CharField(max_length=30)
    basis_months = models.PositiveIntegerField(null=True, blank=True)
    rates = models.JSONField(help_text='Tier key -> share ("0.2") or amount ("350"); null = none.')
    lead_source = models.CharField(max_length=10, default="any")
    initial_purchase_only = models.BooleanField(default=False)
    exclude_no_charge = models.BooleanField(default=True)
    conditions = models.JSONField(default=list, blank=True)
    min_contract_months = models.PositiveIntegerField(null=True, blank=True)
    financial_benefit = models.CharField(max_length=60, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="commission_rule_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramChangeNotice(TenantOwned):
    """The written notice partners get when a published version changes the commission rules.

    One per version that changes them; `changes` are sentences a partner reads ("Tier 2
    Registered Partner: from 30 % to 35 %"), written when the version is published.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="change_notices")
    version = models.OneToOneField(
        ProgramVersion, on_delete=models.PROTECT, related_name="change_notice"
    )
    previous_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(help_text="The day the changed rules take effect.")
    notice_days = models.PositiveIntegerField(
        help_text="The notice period the program required when the change was published."
    )
    changes = models.JSONField(default=list, help_text="What changed, in words.")
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the e-mails to the program's partners went out."
    )

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.program}: commission changes effective {self.effective_from:%Y-%m-%d}"


class ProgramChangeNoticeRead(TenantOwned):
    """A partner contact marked a change notice as read (it leaves their portal home)."""

    notice = models.ForeignKey(ProgramChangeNotice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="change_notice_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.notice} on {self.read_at:%Y-%m-%d}"
