"""The docs pages driven in headless Chromium (Playwright, with Debian's Chromium), with no
network beyond loopback: what a user of Swagger UI and ReDoc does, and what the browser refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from .chromium import NO_NETWORK


@dataclass
class Visit:
    """A page as the browser met it: what it said on its console."""

    page: Page
    errors: list[str] = field(default_factory=list)

    @property
    def policy_violations(self) -> list[str]:
        """The console's reports of what the content security policy blocked."""
        return [error for error in self.errors if "Content Security Policy" in error]


@contextmanager
def visit(chromium: str, url: str) -> Iterator[Visit]:
    """Open ``url`` in a fresh headless Chromium; errors its console reports are kept."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", NO_NETWORK]
        )
        try:
            page = browser.new_page()
            seen = Visit(page)
            page.on("console", lambda message: _keep_error(seen, message.type, message.text))
            page.on("pageerror", lambda error: seen.errors.append(str(error)))
            page.goto(url)
            yield seen
        finally:
            browser.close()


def _keep_error(seen: Visit, kind: str, text: str) -> None:
    if kind == "error":
        seen.errors.append(text)


def authorize(page: Page, key: str) -> None:
    """Give Swagger UI a key through its Authorize dialog."""
    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input").first.fill(key)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()


def try_it_out(page: Page, operation: str) -> str:
    """Send an operation's example with Swagger UI's "Try it out"; the status it shows.

    :param operation: the operation's tag and operationId, e.g. ``events-acceptEvent``.
    """
    block = page.locator(f"#operations-{operation}")
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    return status.inner_text().strip()
