"""Playwright against Debian's Chromium (never a downloaded browser), headless."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TEST_PASSWORD = "pw-for-tests-123"  # tests/factories.py UserFactory


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.exit("Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)", returncode=3)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls; the tests' ORM calls between browser steps are plain blocking calls
    # and safe. Allowed only while a browser runs, then restored for the rest of the suite.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems:
    """Console errors, uncaught exceptions and dialogs (an alert() would mean injected script ran)."""

    def __init__(self):
        self.errors: list[str] = []

    def attach(self, page):
        page.on("console", lambda m: self.errors.append(f"console: {m.text} @ {page.url}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e} @ {page.url}"))

        def on_dialog(d):
            self.errors.append(f"dialog: {d.message} @ {page.url}")
            d.dismiss()

        page.on("dialog", on_dialog)
        return page


@pytest.fixture
def problems():
    return PageProblems()


@pytest.fixture
def new_page(browser, problems):
    contexts = []

    def make(**kwargs):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, **kwargs)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return problems.attach(ctx.new_page())

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"login failed for {username}"
