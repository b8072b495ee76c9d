"""The production shape: docker-compose.yml runs a worker for every queue tasks are sent to,
one beat, and web replicas only behind the proxy (so `--scale web=3` can work)."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def consumed_queues(command: list[str]) -> set[str]:
    if "-Q" not in command:
        return {"celery"}  # a worker without -Q takes the default queue only
    return set(command[command.index("-Q") + 1].split(","))


def test_every_queue_a_task_is_sent_to_has_a_worker():
    queues = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    queues.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    workers = [s["command"] for s in services().values() if "worker" in s.get("command", [])]
    consumed = set().union(*(consumed_queues(command) for command in workers))
    assert queues <= consumed, f"no worker takes {sorted(queues - consumed)}"


def test_one_beat_and_web_replicas_publish_no_port_of_their_own():
    running = services()
    assert [name for name, s in running.items() if "beat" in s.get("command", [])] == ["beat"]
    assert "ports" not in running["web"]  # a published port would clash between replicas
    assert running["proxy"]["ports"] == ["8000:8000"]
    assert "web:8000" in running["proxy"]["command"]


def test_the_image_serves_with_the_measured_gunicorn_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--config", "config/gunicorn.py"' in dockerfile
    config: dict = {}
    exec((ROOT / "config" / "gunicorn.py").read_text(), config)
    assert config["worker_class"] == "gthread" and config["threads"] >= 2


def test_the_app_connects_as_a_role_that_owns_nothing_and_migrations_as_the_owner():
    running = services()
    for name in ("web", "worker", "webhook-worker", "beat"):
        assert running[name]["environment"]["DATABASE_URL"].startswith("postgres://prm_app:")
    migrate = running["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgres://prm:")
    assert "db_grant_app_role prm_app" in " ".join(migrate["command"])
    init = ROOT / "docker" / "postgres" / "10-app-role.sh"
    assert "CREATE ROLE prm_app LOGIN" in init.read_text()
    assert "NOSUPERUSER" in init.read_text()
