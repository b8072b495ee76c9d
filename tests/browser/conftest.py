"""Real-browser tests: Playwright driving Debian's Chromium against the live test server."""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("PRM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def page(live_server, settings):
    # e-mails link to PRM_SITE_URL: here that is the live server the browser talks to
    settings.PRM_SITE_URL = live_server.url
    if not shutil.which(CHROMIUM):
        if os.environ.get("PRM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(base_url=live_server.url)
        page.set_default_timeout(15_000)
        # every page runs under its Content-Security-Policy: a refused script or style is a
        # failure of the test that loaded it (Chromium reports it on the console)
        violations = []
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        try:
            yield page
        finally:
            browser.close()
            # Inside sync_playwright() the test runs in a contextvars context of its own, so
            # Django opened a connection of its own there: close it, or it outlives the test
            # and holds the test database open at teardown.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        assert violations == [], "\n".join(violations)
