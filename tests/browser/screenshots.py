"""Take the README screenshots against a running server with demo data.

    .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py runserver 127.0.0.1:8765 &
    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8765 docs/screenshots

Needs Debian's chromium and a CJK font (apt-get install chromium fonts-noto-cjk). Offline,
start the server with CASESYS_MAP_TILE_URL=none (the maps then draw without tiles).
Not a test (the file name does not start with test_), so pytest does not collect it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
DEMO_PASSWORD = "casesys-demo"


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def login(user: str) -> None:
            ctx.clear_cookies()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("main button[type=submit]")

        login("supervisor")
        page.goto(f"{base}/desk/queue/department/")
        page.screenshot(path=out / "queue.png")
        # The most instructive case page: an open, overdue one with a pending reply or in progress.
        number = page.inner_text("table.queue tbody tr:first-child a[href*='/desk/cases/']")
        page.goto(f"{base}/desk/cases/{number}/")
        page.click("details.action summary >> nth=0")
        page.screenshot(path=out / "case.png", full_page=True)
        page.goto(f"{base}/reports/")
        page.wait_for_selector("body[data-charts-ready='6']")
        page.screenshot(path=out / "dashboard.png", full_page=True)
        page.goto(f"{base}/desk/map/")
        page.wait_for_selector("#desk-map[data-loaded]")
        page.screenshot(path=out / "map.png")
        page.goto(f"{base}/desk/search/?q=路灯&state=closed")  # Simplified finds Traditional
        page.screenshot(path=out / "search.png")

        # A 1999 operator registers a walk-in case and prints its receipt.
        login("intake")
        page.goto(f"{base}/desk/intake/new/")
        page.fill("#id_subject", "民生東路人行道地磚破損")
        page.fill("#id_description", "民眾臨櫃反映：民生東路三段人行道地磚翹起約五公分，長者已有絆倒情形，請儘速修補。")
        page.select_option("#id_channel", "walk_in")
        page.select_option("#id_category", index=1)
        page.click("#intake-form button[type=submit]")
        page.click("#receipt-link")
        page.screenshot(path=out / "receipt.png", full_page=True)

        # An officer on a phone: the queue as cards.
        login("officer")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/desk/queue/")
        page.screenshot(path=out / "queue-phone.png")
        page.set_viewport_size({"width": 1280, "height": 860})
        # The same officer's queue in the English UI.
        page.click("form.lang-form button")
        page.goto(f"{base}/desk/queue/department/")
        page.screenshot(path=out / "queue-en.png")

        ctx.clear_cookies()
        page.goto(f"{base}/mailbox/")
        page.screenshot(path=out / "mailbox.png", full_page=True)
        browser.close()
    if errors:
        raise SystemExit(f"console errors: {errors}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765", Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
