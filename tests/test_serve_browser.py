"""`press serve` in a real browser: headless Debian chromium driven by Playwright (no browser download)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.chromium import CHROMIUM, FLAGS
from tests.serving import ServeSession, small_site

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
ARTICLE = "content/articles/2013/01/d-four.md"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium; tests/run.sh installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = small_site(tmp_path / "site", base_url="/news/")
    default_css = Path(__file__).parent.parent / "themes/default/static/style.css"
    css = default_css.read_text() + "\nbody { background-color: rgb(1, 2, 3); }\n"
    (root / "themes/custom/static/style.css").write_text(css)
    return root


@pytest.fixture
def tab(browser: Browser, site: Path) -> Iterator[tuple[ServeSession, Page]]:
    session = ServeSession(site)
    page = browser.new_page()
    yield session, page
    page.close()
    session.stop()


def _open(page: Page, session: ServeSession, path: str) -> None:
    page.goto(f"http://{session.host}:{session.port}{path}")
    page.wait_for_function("() => window.__pressLive === true", timeout=WAIT_MS)
    page.evaluate("window.__marker = 'same page'")


def test_edit_break_and_fix_an_article_in_an_open_tab(tab: tuple[ServeSession, Page], site: Path):
    session, page = tab
    _open(page, session, "/news/2013/01/05/d-four/")
    body = page.locator(".story .body")
    expect(body).to_contain_text("Cold.")
    source = site / ARTICLE
    text = source.read_text()

    source.write_text(text.replace("Cold.", "Snow fell on the summit."))
    expect(body).to_contain_text("Snow fell on the summit.", timeout=WAIT_MS)

    source.write_text(text.replace("date: 2013-01-05", "date: 2013-01-45"))
    overlay = page.locator("#press-overlay")
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    expect(overlay).to_contain_text(f"{ARTICLE}:3: date:")
    expect(body).to_contain_text("Snow fell on the summit.")  # the last good build, underneath

    source.write_text(text.replace("Cold.", "The thaw came."))
    expect(overlay).to_have_count(0, timeout=WAIT_MS)
    expect(body).to_contain_text("The thaw came.", timeout=WAIT_MS)


def test_a_tab_opened_on_a_broken_site_shows_the_overlay(tab: tuple[ServeSession, Page], site: Path):
    session, page = tab
    source = site / ARTICLE
    text = source.read_text()
    source.write_text(text.replace("title:", "title: [unclosed", 1))
    assert session.settle()[0] == "problems"
    _open(page, session, "/news/2013/01/05/d-four/")
    expect(page.locator("#press-overlay")).to_contain_text(ARTICLE, timeout=WAIT_MS)
    source.write_text(text)
    expect(page.locator("#press-overlay")).to_have_count(0, timeout=WAIT_MS)


def test_a_stylesheet_change_is_swapped_in_without_a_reload(tab: tuple[ServeSession, Page], site: Path):
    session, page = tab
    _open(page, session, "/news/2012/12/01/a-one/")
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(1, 2, 3)"
    css = site / "themes/custom/static/style.css"
    css.write_text(css.read_text().replace("rgb(1, 2, 3)", "rgb(4, 5, 6)"))
    page.wait_for_function(f"() => ({background})() === 'rgb(4, 5, 6)'", timeout=WAIT_MS)
    assert page.evaluate("window.__marker") == "same page"


def test_a_new_article_appears_in_a_tab_waiting_on_its_url(tab: tuple[ServeSession, Page], site: Path):
    session, page = tab
    _open(page, session, "/news/2012/12/02/g-seven/")
    expect(page.locator("h1")).to_have_text("Page not found")
    (site / "content/articles/2012/12/g-seven.md").write_text(
        "---\ntitle: Hello from the editor\ndate: 2012-12-02\n---\n\nJust saved.\n"
    )
    expect(page.locator(".story h1")).to_have_text("Hello from the editor", timeout=WAIT_MS)
    page.goto(f"http://{session.host}:{session.port}/news/2012/12/02/")
    expect(page.locator("main")).to_contain_text("Hello from the editor")
