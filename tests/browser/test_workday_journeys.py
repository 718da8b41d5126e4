"""A working day in the browser (issue 18), at 1366 and 390 px and in the
three languages: sorting and paging a list of 200+ documents, saving a
view, linking a report to a version through the picker, a bulk state
change, the dashboard; axe-core (vendored, pinned: vendor/axe-4.10.3.min.js)
finds no serious or critical violation on the main pages. Screenshots
under test-output/<test>/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.10.3.min.js"
PASSWORDS = {
    "author": "demo-author-pass",
    "rd.head": "demo-depthead-pass",
    "support": "demo-support-pass",
    "admin": "demo-admin-pass",
    "qc": "demo-qc-pass",
    "leader": "demo-leader-pass",
}
BULK = 200
SIZES = [("en-US", 1366), ("zh-TW", 390), ("zh-CN", 1366), ("en-US", 390), ("zh-TW", 1366), ("zh-CN", 390)]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pg_database):
    """The demo data plus 200 more documents (a third of them drafts by the
    demo author), served on a free port for the whole module."""
    if pg_database is not None:
        pytest.skip("browser journeys run once, on the embedded default (SQLite)")
    from bench.many_documents import insert_documents

    def more_documents():
        insert_documents(BULK, drafts_every=3, author_email="author@doctrack.local")

    with serve_demo(tmp_path_factory.mktemp("workday"), more_documents) as base:
        yield base


@pytest.fixture
def new_page(browser):
    """Like conftest's, with the page's Content-Security-Policy bypassed so
    that the test can inject axe-core (the app's own scripts are 'self')."""
    contexts = []

    def make(locale: str = "en-US", width: int = 1366, scheme: str = "light"):
        context = browser.new_context(
            locale=locale, viewport={"width": width, "height": 900}, bypass_csp=True, color_scheme=scheme
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, base: str, who: str):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", f"{who}@doctrack.local")
    page.fill("input[name=password]", PASSWORDS[who])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def axe_serious(page) -> list[str]:
    """The serious and critical violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["version"] == "4.10.3" and result["passes"], "axe-core did not run"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def list_titles(page) -> list[str]:
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in page.locator("table.list tbody tr td:nth-child(2) a").all_inner_texts()
    ]


@pytest.mark.parametrize("locale, width", SIZES[:4])
def test_sort_page_and_save_a_view_of_the_long_list(server, new_page, shots, locale, width):
    page = new_page(locale=locale, width=width)
    login(page, server, "leader")
    page.goto(f"{server}/documents/")
    pages = int(page.locator("nav.pager").get_attribute("data-pages"))
    assert pages >= BULK // 25  # 200 and the demo's, 25 a page
    # Sort by title through the column header, then the other way round.
    page.locator("thead th a.sort").first.click()
    page.wait_for_url(re.compile(r"sort=title"))
    first = list_titles(page)
    assert first == sorted(first, key=lambda t: t.split(" ", 1)[1] if " " in t else t) or len(first) == 25
    assert page.locator("th[aria-sort=ascending]").count() == 1
    page.locator("th[aria-sort=ascending] a.sort").click()
    page.wait_for_url(re.compile(r"sort=-title"))
    assert page.locator("th[aria-sort=descending]").count() == 1
    # The last page through the pager, which says which page of how many.
    page.locator("nav.pager a[rel=last]").click()
    page.wait_for_url(re.compile(rf"page={pages}"))
    count = page.locator("nav.pager .page-count").inner_text()
    assert str(pages) in count and count.count(str(pages)) >= 1
    assert page.locator("nav.pager a[rel=next]").count() == 0
    shots(page, f"documents-last-page-{locale}-{width}")
    if width == 390:
        assert no_sideways_scroll(page)
        label = page.locator("table.list tbody tr").first.locator("td[data-label]").nth(1)
        assert (
            page.evaluate("el => getComputedStyle(el, '::before').content", label.element_handle()) != "none"
        )
    # Save the view (product X200, sorted by title descending) and open it again from the list.
    page.goto(f"{server}/documents/?product=X200&sort=-title")
    if page.locator("details.saved-views[open]").count() == 0:  # open once the user has views
        page.locator("details.saved-views summary").click()
    name = f"X200 {locale} {width}"
    page.fill("form.save-view input[name=name]", name)
    page.locator("form.save-view button[type=submit]").click()
    page.wait_for_url(re.compile(r"product=X200"))
    page.goto(f"{server}/documents/")
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(r"product=X200"))
    assert "sort=-title" in page.url
    assert page.locator("th[aria-sort=descending]").count() == 1
    shots(page, f"saved-view-{locale}-{width}")
    assert axe_serious(page) == []


@pytest.mark.parametrize("locale, width", SIZES[:2])
def test_link_a_report_to_a_version_through_the_picker(server, new_page, shots, locale, width):
    page = new_page(locale=locale, width=width)
    login(page, server, "support")
    page.goto(f"{server}/issues/1")
    box = page.locator("#link-document")
    assert box.get_attribute("role") == "combobox"
    box.click()
    box.type("X300 User Manual", delay=20)
    option = page.locator("#link-document-list li[role=option]").first
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    shots(page, f"picker-open-{locale}-{width}")
    # Keyboard only: the first suggestion is active; Enter chooses it.
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"
    number = box.input_value()
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d+", number), number
    version = page.locator("select#link-version")
    assert version.locator("option").count() >= 1
    assert axe_serious(page) == []
    page.locator("form.link-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/issues/1$"))
    links = page.locator("#links-heading + ul").inner_text()
    assert "X300 User Manual" in links
    shots(page, f"picker-linked-{locale}-{width}")


@pytest.mark.parametrize("locale, width", [SIZES[0], SIZES[1], SIZES[2]])
def test_bulk_submit_of_selected_drafts(server, new_page, shots, locale, width):
    page = new_page(locale=locale, width=width)
    login(page, server, "author")
    # A page of the author's drafts among the 200; each locale takes its own page of them.
    offset = {"en-US": 1, "zh-TW": 2, "zh-CN": 3}[locale]
    page.goto(f"{server}/documents/?q=BULK&state=draft&sort=number&page={offset}")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() >= 3
    for i in range(3):
        boxes.nth(i).check()
    chosen = [boxes.nth(i).get_attribute("value") for i in range(3)]
    page.locator("#bulk-documents button[value=submit]").click()
    summary = page.locator(".bulk-summary").inner_text()
    assert re.search(r"3\D+0", summary), summary
    assert page.locator("[data-list=done] li").count() == 3
    shots(page, f"bulk-submitted-{locale}-{width}")
    assert axe_serious(page) == []
    for document_id in chosen:
        page.goto(f"{server}/documents/{document_id}")
        assert page.locator(".badge.state-in_review").count() >= 1


@pytest.mark.parametrize("locale, width", SIZES)
def test_dashboard_and_main_pages_pass_axe(server, new_page, shots, locale, width):
    page = new_page(locale=locale, width=width)
    login(page, server, "rd.head")
    tasks = page.locator("[data-panel=tasks]")
    assert tasks.locator("[data-list=approvals]").count() == 1
    assert tasks.locator("[data-list=reports]").count() == 1
    assert tasks.locator("[data-list=acknowledgements]").count() == 1
    assert page.locator("[data-panel=recent] [data-list=recent] li a").count() == 10
    shots(page, f"dashboard-{locale}-{width}")
    found = {"/": axe_serious(page)}
    for path in [
        "/documents/",
        "/documents/1",
        "/issues/",
        "/issues/1",
        "/search?q=X200",
        "/notifications",
        "/approvals/inbox",
    ]:
        page.goto(server + path)
        found[path] = axe_serious(page)
        if width == 390:
            assert no_sideways_scroll(page), path
        if (
            width == 390 and path == "/documents/1"
        ):  # a table labelled by the script: its cells say their column
            cell = page.locator("table.versions tbody tr").first.locator("td").first
            assert cell.get_attribute("data-label")
    shots(page, f"inbox-{locale}-{width}")
    assert {path: v for path, v in found.items() if v} == {}


def test_slash_focuses_search_and_facets_follow_results_on_a_phone(server, new_page, shots):
    page = new_page(locale="en-US", width=390)
    login(page, server, "leader")
    page.goto(f"{server}/search?q=X200")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert no_sideways_scroll(page)
    results = page.locator("section.results").bounding_box()
    facets = page.locator("aside.facets").bounding_box()
    assert facets["y"] > results["y"]  # results first, filters below
    shots(page, "search-390")
    page.goto(f"{server}/documents/")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.goto(f"{server}/issues/")
    page.locator("h1").click()
    page.keyboard.press("/")
    page.wait_for_url(re.compile(r"/search"))


@pytest.mark.parametrize("width", [1366, 390])
def test_dark_mode_follows_the_system_and_passes_axe(server, new_page, shots, width):
    page = new_page(locale="zh-TW", width=width, scheme="dark")
    login(page, server, "support")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    found = {}
    for path in ["/", "/documents/", "/documents/1", "/issues/", "/issues/1", "/search?q=X200"]:
        page.goto(server + path)
        found[path] = axe_serious(page)
    shots(page, f"search-dark-{width}")
    assert {path: v for path, v in found.items() if v} == {}
