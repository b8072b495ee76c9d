import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from tenants.logging import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "a-production-grade-secret-key-that-is-long-and-random-0123456789abcdefgh",
    "ALLOWED_HOSTS": "prm.example.com",
    "DATABASE_URL": "sqlite:////tmp/prm-check-deploy.sqlite3",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_healthz_is_live(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(db, settings):
    settings.REDIS_URL = ""
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"


def test_request_id_is_taken_from_the_proxy_or_made(db):
    client = Client()
    given = client.get("/healthz", headers={"X-Request-ID": "req-1234567890"})
    assert given["X-Request-ID"] == "req-1234567890"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id; injected"})
    assert made["X-Request-ID"] != "bad id; injected"
    assert len(made["X-Request-ID"]) == 32


def test_log_lines_are_single_json_objects_with_request_id():
    record = logging.makeLogRecord(
        {"name": "prm.test", "levelname": "INFO", "msg": "payout.approved", "batch": 7}
    )
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    event = json.loads(line)
    assert event["event"] == "payout.approved"
    assert event["batch"] == 7
    assert event["request_id"] == "-"


def test_production_server_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    # tooling that signs nothing (migrations check) still works without one
    assert manage("makemigrations", "--check", "--dry-run", env=env).returncode == 0


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_each_test_process_gets_its_own_redis_database():
    from config.test_settings import _redis_url_for_worker

    assert _redis_url_for_worker("redis://127.0.0.1:6379/1", "gw0") == "redis://127.0.0.1:6379/2"
    assert _redis_url_for_worker("redis://127.0.0.1:6379/1", "gw3") == "redis://127.0.0.1:6379/5"
    assert _redis_url_for_worker("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/2"
    assert _redis_url_for_worker("redis://127.0.0.1:6379/1", "") == "redis://127.0.0.1:6379/1"
    assert _redis_url_for_worker("", "gw0") == ""


def test_make_run_on_another_port_links_its_e_mails_to_that_port():
    """`PORT=8101 make run`: the seed's invitations and the server's e-mails link to :8101."""
    env = {k: v for k, v in os.environ.items() if k not in ("PRM_SITE_URL", "PORT")}
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert planned.returncode == 0, planned.stderr
    seed, serve = (
        next(line for line in planned.stdout.splitlines() if command in line)
        for command in ("manage.py seed_demo", "manage.py runserver")
    )
    for line in (seed, serve):
        assert "PRM_SITE_URL=http://127.0.0.1:8101 " in line
    assert "--url http://127.0.0.1:8101/" in seed and "8000" not in seed + serve
