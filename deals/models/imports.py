from django.conf import settings
from django.db import models

from tenants.models import TenantOwned


class ImportJob(TenantOwned):
    """A CSV import run by a worker: the file is kept until the job has run, the outcome
    (counts, or every row's problem) stays for whoever asked."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        REFUSED = "refused", "Refused (nothing imported)"
        FAILED = "failed", "Failed (nothing imported)"

    kind = models.CharField(max_length=20)
    file = models.FileField(upload_to="imports/")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.kind} import of {self.created_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"
        )
