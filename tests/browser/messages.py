"""Reading the admin's messages after a form posts."""

from playwright.sync_api import expect

# A click does not wait for the page it leads to; on a busy machine that page can take seconds.
NEXT_PAGE_TIMEOUT_MS = 30_000


def expect_message(page, text: str) -> None:
    """The message ``text`` shows on the page the last click led to (waiting for it, as a user
    would; reading the message list at once could read the page that was just left)."""
    expect(page.locator(".messagelist")).to_contain_text(text, timeout=NEXT_PAGE_TIMEOUT_MS)
