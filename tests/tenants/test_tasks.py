import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from tenants.scope import current_scope_or_none, tenant_scope
from tenants.tasks import tenant_row_counts

ROOT = Path(__file__).resolve().parents[2]


class expected_counts(dict):
    """Row counts that must match for these models; other models' counts may be anything."""

    def __init__(self, firms: int, contacts: int, staff: int):
        super().__init__(
            {
                "partners.PartnerFirm": firms,
                "partners.PartnerContact": contacts,
                "tenants.StaffMembership": staff,
                "tenants.ApiKey": 0,
            }
        )

    def __eq__(self, counts: object) -> bool:
        return isinstance(counts, dict) and all(counts.get(k) == v for k, v in self.items())

    __hash__ = None


def test_task_runs_in_the_tenant_it_was_given(cast):
    assert tenant_row_counts.apply(args=[cast.tenant_a.pk]).get() == expected_counts(2, 3, 3)
    assert tenant_row_counts.apply(args=[cast.tenant_b.pk]).get() == expected_counts(1, 1, 1)


def test_task_scope_does_not_leak_into_the_caller(cast):
    with tenant_scope(cast.tenant_b):
        counts = tenant_row_counts.apply(args=[cast.tenant_a.pk]).get()
        assert counts["partners.PartnerFirm"] == 2
        assert current_scope_or_none() == cast.tenant_b
    assert current_scope_or_none() is None


def test_task_refuses_a_tenant_object_instead_of_an_id(cast):
    with pytest.raises(TypeError, match="takes a tenant id"):
        tenant_row_counts.apply(args=[cast.tenant_a], throw=True).get()


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names unknown {entry['task']!r}"
        if entry["task"] == "tenants.tasks.run_for_every_tenant":
            fanned_out = entry["args"][0]
            assert fanned_out in app.tasks, f"beat entry {name!r} fans out unknown {fanned_out!r}"


def test_fan_out_enqueues_one_task_per_active_tenant(cast, eager_tasks):
    from tenants.tasks import run_for_every_tenant

    assert run_for_every_tenant.apply(args=["partners.tasks.enrolments_daily"]).get() == 2


def test_without_redis_delay_runs_in_process(cast):
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: this run uses the real broker (see the worker test)")
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert tenant_row_counts.delay(cast.tenant_a.pk).get() == expected_counts(2, 3, 3)


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def real_worker(tmp_path):
    """A real `celery worker` process on its own queue, against Redis and the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    app.conf.task_always_eager = False  # eager_tasks (autouse) restores it afterwards
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_tenant_tasks_without_leaking_between_them(cast, real_worker):
    assert app.conf.task_always_eager is False
    first = tenant_row_counts.apply_async(args=[cast.tenant_a.pk], queue=real_worker)
    assert first.get(timeout=60) == expected_counts(2, 3, 3)
    second = tenant_row_counts.apply_async(args=[cast.tenant_b.pk], queue=real_worker)
    assert second.get(timeout=60) == expected_counts(1, 1, 1)
