"""The page at ``/`` in a real browser: Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it starts ``$CHROMIUM`` (default
``/usr/bin/chromium``, from the Debian package ``chromium``). Without it the test is
skipped, and it fails when ``CI=true``.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect, sync_playwright

pytestmark = pytest.mark.integration

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Chromium as root in a container, with nothing reaching out to the network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000


def chromium_path() -> Path:
    """``$CHROMIUM`` or Debian's Chromium; skip (fail under CI=true) when absent."""
    value = os.environ.get("CHROMIUM", DEFAULT_CHROMIUM)
    path = Path(value)
    if not path.is_file():
        message = (
            f"no Chromium at {path} (CHROMIUM={os.environ.get('CHROMIUM', '')}): "
            "install the Debian package `chromium` (apt-get install chromium) "
            "or set CHROMIUM to a Chrome/Chromium binary"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """A Chromium with a fresh profile, closed after the test."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1100, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: BrowserContext, movielens_server: Any) -> Page:
    """The page of a real `movie-recs serve` on ml-latest-small."""
    server = movielens_server
    page = browser.new_page()
    page.goto(server.url + "/")
    return page


def test_typing_godfater_and_picking_the_godfather_shows_its_recommendations(
    page: Page,
) -> None:
    box = page.get_by_role("combobox")
    box.press_sequentially("godfater", delay=30)
    options = page.get_by_role("option")
    expect(options.first).to_contain_text("Godfather, The (1972)")
    expect(options.first).to_contain_text("1972")
    # with the keyboard only: down to the first match, Enter picks it
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")

    expect(page.locator("#results-title")).to_have_text(
        "Fans of Godfather, The (1972) also loved"
    )
    rows = page.locator("#recommendations tr")
    expect(rows).to_have_count(10)
    expect(page.get_by_role("status")).to_have_text(
        "10 recommendations for Godfather, The (1972)."
    )
    assert box.input_value() == "Godfather, The (1972)"
    # the table shows the API's answer in its order, each film linked to MovieLens
    answer = page.request.get(
        page.url + "api/recommendations?movie_id=858&limit=10"
    ).json()
    links = page.locator("#recommendations td:nth-child(2) > a")
    expect(links).to_have_text([film["title"] for film in answer["recommendations"]])
    for position, film in enumerate(answer["recommendations"]):
        expect(links.nth(position)).to_have_attribute(
            "href", f"https://movielens.org/movies/{film['movieId']}"
        )
    expect(page.locator("#recommendations")).to_contain_text("Godfather: Part II")


def test_a_title_without_a_match_says_so(page: Page) -> None:
    page.get_by_role("combobox").press_sequentially("qwxzv plmok", delay=10)
    expect(page.get_by_role("status")).to_have_text(
        "No film matches “qwxzv plmok”. Check the spelling or try fewer words."
    )
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_an_overloaded_service_gets_a_clear_message(page: Page) -> None:
    # the service's own 503 (tested on the server in tests/integration/test_serve.py),
    # replayed for the recommendations request so that the page's handling is exact
    def busy(route: Route) -> None:
        body = {"error": "busy: 64 requests in flight (at most 64)", "status": 503}
        route.fulfill(
            status=503,
            headers={"Retry-After": "1", "Content-Type": "application/json"},
            body=json.dumps(body),
        )

    page.route("**/api/recommendations?*", busy)
    box = page.get_by_role("combobox")
    box.press_sequentially("toy story", delay=10)
    expect(page.get_by_role("option").first).to_contain_text("Toy Story")
    box.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "The service is busy right now: please retry in 1 s."
    )
