import datetime
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from commissions.models import BatchItem, PayoutBatch
from config.celery import app
from tenants.scope import current_scope_or_none, tenant_scope
from tenants.tasks import run_for_every_tenant, tenant_row_counts
from tests.commissions.conftest import cim_partner
from tests.commissions.test_payouts import one_sale
from tests.factories import TenantFactory
from tests.partners.conftest import load_program
from tests.programs.test_policies_obeyed import variant

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()


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


def _start_workers(tmp_path, count: int) -> tuple[str, list[subprocess.Popen], list]:
    """`count` real `celery worker` processes sharing one new queue (their default queue
    too, so what a task enqueues stays with them), against Redis and the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        # not PYTEST_XDIST_WORKER: the worker takes this run's Redis database as it is
        # (config/test_settings.py would move it to the next one)
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_DEFAULT_QUEUE": queue,
    }
    app.conf.task_always_eager = False  # eager_tasks (autouse) restores it afterwards
    workers, logs = [], []
    for n in range(count):
        log = (tmp_path / f"worker-{n}.log").open("wb")
        logs.append(log)
        workers.append(
            subprocess.Popen(
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
                    "-n",
                    f"{queue}-{n}@{HOST}",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    _wait_until_ready([f"{queue}-{n}@{HOST}" for n in range(count)])
    return queue, workers, logs


def _wait_until_ready(names: list[str], timeout: float = 60) -> None:
    """Until every worker answers a ping: work sent before would all go to the first one up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = {
            name for reply in app.control.ping(destination=names, timeout=1) for name in reply
        }
        if answered >= set(names):
            return
    raise AssertionError(f"the workers {names} did not start in {timeout} s")


def _stop_workers(workers: list[subprocess.Popen], logs: list) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    for log in logs:
        log.close()


@pytest.fixture
def real_worker(tmp_path):
    """A real `celery worker` process on its own queue, against Redis and the test database."""
    queue, workers, logs = _start_workers(tmp_path, 1)
    try:
        yield queue
    finally:
        _stop_workers(workers, logs)


@pytest.fixture
def two_real_workers(tmp_path):
    """Two real workers on one queue: (queue, the paths of their logs)."""
    queue, workers, logs = _start_workers(tmp_path, 2)
    try:
        yield queue, [Path(log.name) for log in logs]
    finally:
        _stop_workers(workers, logs)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_tenant_tasks_without_leaking_between_them(cast, real_worker):
    assert app.conf.task_always_eager is False
    first = tenant_row_counts.apply_async(args=[cast.tenant_a.pk], queue=real_worker)
    assert first.get(timeout=60) == expected_counts(2, 3, 3)
    second = tenant_row_counts.apply_async(args=[cast.tenant_b.pk], queue=real_worker)
    assert second.get(timeout=60) == expected_counts(1, 1, 1)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_fan_out_build_each_payout_batch_once(two_real_workers, tmp_path):
    """Beat may deliver a tick twice, and two workers take the copies at the same time:
    every month's batch is still built once and every accrual is paid once."""
    queue, logs = two_real_workers
    sold = {}
    for loaded, email in (
        (load_program("cimcloud"), "founder@one.test"),
        (variant(tmp_path, "cimcloud", "cimtwo", "CIMcloud Two"), "founder@two.test"),
    ):
        tenant, _, enrolment = cim_partner(email, loaded=loaded)
        one_sale(tenant, enrolment)
        sold[tenant] = enrolment
    outsider = TenantFactory(slug="ipsoft", name="IPsoft")  # nothing to pay
    fan_outs = [
        run_for_every_tenant.apply_async(args=["commissions.tasks.payouts_daily"], queue=queue)
        for _ in range(4)
    ]
    assert [f.get(timeout=60) for f in fan_outs] == [3, 3, 3, 3]
    _wait_until_drained(queue)
    stats = app.control.inspect(destination=[f"{queue}-0@{HOST}", f"{queue}-1@{HOST}"]).stats()
    ran = [s["total"].get("commissions.tasks.payouts_daily", 0) for s in stats.values()]
    assert sum(ran) == 12 and max(ran) < 12  # 4 ticks x 3 tenants, shared by both
    assert "Traceback" not in "".join(path.read_text() for path in logs)
    for tenant, enrolment in sold.items():
        with tenant_scope(tenant):
            may = PayoutBatch.objects.get(period=datetime.date(2026, 5, 1))
            assert PayoutBatch.objects.filter(period=may.period).count() == 1
            settled = BatchItem.objects.filter(firm=enrolment.firm).values_list("entry", flat=True)
            assert len(settled) == len(set(settled)) == 1  # the one accrual, paid once
            assert may.lines.get(firm=enrolment.firm).payable_minor == 300_000
    with tenant_scope(outsider):
        assert not PayoutBatch.objects.exists()


def _wait_until_drained(queue: str, timeout: float = 90) -> None:
    """Until nothing waits in the queue and no taken task is unacknowledged (acks_late:
    a task is acknowledged once it has finished)."""
    with app.connection_for_write() as conn:
        redis = conn.default_channel.client
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if redis.llen(queue) == 0 and redis.hlen("unacked") == 0:
                return
            time.sleep(0.3)
    raise AssertionError(f"the workers did not finish the queue {queue} in {timeout} s")
