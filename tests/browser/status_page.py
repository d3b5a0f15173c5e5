"""The status page in a real browser: Debian's Chromium, driven by Playwright, audited by axe-core.

`python status_page.py SCREENSHOT_DIR LABEL=BASE_URL...` opens each BASE_URL/status, reads what it
shows, flips the check `payments` to failing through BASE_URL/test/flip (outside the browser),
times how long the open page takes to show it failing, and prints one JSON object of what it saw,
by label; the Rust test (tests/tests/status_page.rs) judges it. One browser for every server."""

import json
import sys
import time
import urllib.request
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

shots = sys.argv[1]
servers = [argument.split("=", 1) for argument in sys.argv[2:]]
# As the machine's probe found: without these, Chromium reaches for Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def look(browser, base, label):
    """What the page at `base` shows, and does when `payments` fails."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    seen = {"requests": [], "console_errors": []}
    # The page's own Content-Security-Policy stays on: a violation is a console error.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on(
        "console",
        lambda message: message.type == "error" and seen["console_errors"].append(message.text),
    )
    page.on("pageerror", lambda error: seen["console_errors"].append(str(error)))
    page.goto(f"{base}/status", wait_until="load")

    seen["sections"] = page.locator("main h2").all_inner_texts()
    seen["checks"] = page.locator("li.check h3").all_inner_texts()
    seen["refresh_says"] = page.locator("#refresh").inner_text()

    payments = (
        page.locator("section", has=page.locator("h2", has_text="Readiness"))
        .locator("li.check", has=page.locator("h3", has_text="payments"))
    )
    seen["payments_before"] = payments.locator(".badge").inner_text()
    # A mark a reload would wipe out.
    page.evaluate("window.keptSinceLoad = true")
    urllib.request.urlopen(urllib.request.Request(f"{base}/test/flip", method="POST")).read()
    flipped = time.monotonic()
    payments.locator(".badge", has_text="FAIL").wait_for(timeout=5000)
    seen["shown_failing_after_ms"] = round((time.monotonic() - flipped) * 1000)
    seen["payments_after"] = payments.locator(".badge").inner_text()
    seen["payments_reason"] = payments.locator(".reason").inner_text()
    seen["not_reloaded"] = page.evaluate("window.keptSinceLoad === true")
    seen["summary"] = page.locator(".summary").inner_text()

    page.screenshot(path=f"{shots}/status-page-{label}.png", full_page=True)
    results = Axe().run(page)
    seen["violations"] = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in results.response["violations"]
    ]

    # A phone's width: nothing wider than the screen (layout follows the resize at once).
    page.set_viewport_size({"width": 360, "height": 800})
    seen["width_at_360"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=f"{shots}/status-page-{label}-360.png", full_page=True)
    narrow = Axe().run(page)
    seen["violations"] += [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "at": 360}
        for v in narrow.response["violations"]
    ]
    context.close()

    # The same page without JavaScript reads the same: the server rendered it.
    plain = browser.new_context(java_script_enabled=False)
    plain_page = plain.new_page()
    plain_page.goto(f"{base}/status", wait_until="load")
    seen["checks_without_script"] = plain_page.locator("li.check h3").all_inner_texts()
    plain.close()

    seen["other_origins"] = [url for url in seen["requests"] if not url.startswith(origin + "/")]
    return seen


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
    )
    print(json.dumps({label: look(browser, base, label) for label, base in servers}))
    browser.close()
