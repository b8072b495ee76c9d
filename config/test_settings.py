"""The real settings with test-only defaults: no secrets, no HTTPS redirect, fast hashing."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def _redis_url_for_worker(url: str, worker: str) -> str:
    """Each pytest-xdist worker (gw0, gw1, ...) gets its own Redis database, so one worker's
    broker queues, cache and flushes never meet another's (the test databases are already
    separate: pytest-django suffixes them per worker)."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    db = parts.path.strip("/")
    number = int(db) if db.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{number + 1 + int(worker[2:])}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_for_worker(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Throttle counters stay in the process, whatever cache the run uses (tests/conftest.py
# clears them between tests).
CACHES["api_throttle"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "api-throttle",
}
