"""The built book as a reader meets it, in a real browser.

Debian's Chromium, in its headless shell (Playwright cannot download browsers here;
booktools.browser), loads every page of docs/_build/html, served on 127.0.0.1 by
booktools.server under the book's published path with gzip and a 404 page, as GitHub
Pages serves it. These tests never skip:
without Chromium they fail and say how to install it (tools/provision-browser.sh).

Each page is read twice: light on a desktop, dark on a phone (390 px, device scale 2):
both colour schemes and both widths, each with the full set of checks, among them
that nothing moves: the reader jumps to the last section from the table of contents,
then scrolls through, and the layout shifts add up to zero.
The page budget (bytes, requests, Lighthouse) is measured by ``make audit``, never
asserted here.
"""

from __future__ import annotations

import json
import re
from functools import partial
from urllib.parse import urlsplit

import pytest
from booktools import BOOK
from booktools.browser import (
    CHROMIUM_ARGS,
    DESKTOP,
    HOW_TO_INSTALL,
    IMAGES_SETTLED,
    PHONE,
    PHONE_SCALE,
    RECORD_LAYOUT_SHIFTS,
    SCROLL_THROUGH,
    find_chromium,
    site_pages,
    tutorial_pages,
)
from booktools.server import serve

pytestmark = pytest.mark.browser

PAGES = site_pages() if (BOOK.html / "index.html").is_file() else []
TUTORIALS = tutorial_pages(PAGES)
# The two ways each page is read: (colour scheme, context options).
READINGS = {
    "light-desktop": ("light", {"viewport": DESKTOP}),
    "dark-phone": (
        "dark",
        {"viewport": PHONE, "is_mobile": True, "device_scale_factor": PHONE_SCALE},
    ),
}


def _require_built_book() -> None:
    if not PAGES:
        pytest.fail(f"No built book in {BOOK.html}: run 'make html' first.")


@pytest.fixture(scope="module")
def base_url():
    """The book served under the path it is published at."""
    _require_built_book()
    with serve() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium(headless_shell=True)
    if chromium is None:
        pytest.fail(HOW_TO_INSTALL, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium, args=list(CHROMIUM_ARGS)
        )
        yield launched
        launched.close()


class PageWatch:
    """A fresh browser context with everything that can go wrong recorded."""

    def __init__(self, browser, base_url: str, **context_args):
        self.context = browser.new_context(**context_args)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.own_host = urlsplit(base_url).netloc
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.bad_status: list[str] = []
        self.foreign: list[str] = []
        self.requested: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("response", self._on_response)

    expected_error_url: str | None = None
    # A page that sends the reader on (a redirect page) has its own load aborted by the
    # navigation it starts; that one abort is expected, any other failure is not.
    left_url: str | None = None

    def _on_request_failed(self, request) -> None:
        if request.url == self.left_url and "ERR_ABORTED" in (request.failure or ""):
            return
        self.failed.append(f"{request.url} ({request.failure})")

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        # The browser logs the 404 status of a 404 page it was sent to on purpose.
        if (
            self.expected_error_url
            and message.location.get("url") == self.expected_error_url
            and "404" in message.text
        ):
            return
        self.console_errors.append(f"{message.text} at {message.location}")

    def _on_request(self, request) -> None:
        self.requested.append(request.url)
        host = urlsplit(request.url).netloc
        if request.url.startswith(("http:", "https:")) and host != self.own_host:
            self.foreign.append(request.url)

    def _on_response(self, response) -> None:
        if response.status >= 400 and response.url != self.expected_error_url:
            self.bad_status.append(f"{response.status} {response.url}")

    def goto(self, path: str, scroll: bool = True):
        """Open ``path``; scroll through it so lazy figures load; wait for images."""
        response = self.page.goto(self.base_url + path, wait_until="load")
        if scroll:
            self.page.evaluate(SCROLL_THROUGH)
            self.page.evaluate(IMAGES_SETTLED)
        return response

    def assert_clean(self, where: str) -> None:
        problems = {
            "console errors": self.console_errors,
            "failed requests": self.failed,
            "HTTP errors": self.bad_status,
            "requests to other hosts": self.foreign,
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"{where}: {json.dumps(found, indent=2)}"

    def close(self) -> None:
        self.context.close()


def _check_images(page, where: str) -> None:
    """Every image shown has loaded, with alt text; every <img>, shown or not, has
    its size (1x: the size the browser gives a 2x copy too) in width and height."""
    images = page.evaluate(
        """() => Array.from(document.images).map(img => ({
            src: img.currentSrc || img.src,
            shown: img.getClientRects().length > 0,
            loaded: img.complete && img.naturalWidth > 0,
            natural: [img.naturalWidth, img.naturalHeight],
            size: [img.getAttribute('width'), img.getAttribute('height')],
            alt: img.getAttribute('alt'),
            decorative: !!img.closest('.sphx-glr-thumbcontainer, .navbar-brand'),
        }))"""
    )
    not_loaded = [i["src"] for i in images if i["shown"] and not i["loaded"]]
    assert not not_loaded, f"{where}: images that did not load: {not_loaded}"
    unsized = [i["src"] for i in images if None in i["size"]]
    assert not unsized, f"{where}: <img> without width and height: {unsized}"
    wrong = [
        (i["src"], i["size"], i["natural"])
        for i in images
        if i["loaded"] and [int(v) for v in i["size"]] != i["natural"]
    ]
    assert not wrong, f"{where}: width/height that are not the image's: {wrong}"
    no_alt = [i["src"] for i in images if i["alt"] is None]
    assert not no_alt, f"{where}: images without an alt attribute: {no_alt}"
    empty_alt = [i["src"] for i in images if not i["decorative"] and not i["alt"]]
    assert not empty_alt, (
        f"{where}: content images with an empty alt text (say what the figure "
        f"shows): {empty_alt}"
    )


def _check_math(page, where: str) -> None:
    """Math is native MathML laid out by the browser, with a size on screen, and no
    raw LaTeX is left."""
    report = page.evaluate(
        r"""() => {
            const maths = Array.from(document.querySelectorAll('math'));
            const text = (document.querySelector('main') || document.body).innerText;
            return {
                count: maths.length,
                display: maths.length ? getComputedStyle(maths[0]).display : 'math',
                // (hidden copies, such as the print-only table of contents, aside)
                unsized: maths.filter(m => m.checkVisibility()).filter(m => {
                    const r = m.getBoundingClientRect();
                    return !(r.width > 0 && r.height > 0);
                }).length,
                errors: document.querySelectorAll('merror').length,
                raw: (text.match(/\\\(|\\\[|\$\$|\\frac|\\partial|\\begin\{/g) || []),
                mathjax: typeof window.MathJax !== 'undefined',
            };
        }"""
    )
    # Chromium lays MathML out natively: a <math> is a 'math' box, not inline text.
    assert "math" in report["display"], f"{where}: MathML not laid out"
    assert report["unsized"] == 0, f"{where}: {report['unsized']} formulas not drawn"
    assert report["errors"] == 0, f"{where}: MathML with <merror>"
    assert not report["raw"], f"{where}: raw LaTeX on the page: {report['raw']}"
    assert not report["mathjax"], f"{where}: MathJax loaded; math must be MathML"


# Resolves when the images on the screen (which the browser fetches, lazy or not) have
# loaded: a lazy image further away is not fetched, so it is not waited for.
IMAGES_IN_VIEW_SETTLED = """async () => {
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const onScreen = img => {
        const box = img.getBoundingClientRect();
        return img.getClientRects().length > 0 && box.bottom > 0
            && box.top < window.innerHeight;
    };
    await Promise.all(Array.from(document.images).filter(onScreen)
        .map(img => img.complete
            ? null
            : new Promise(r => { img.addEventListener('load', r, {once: true});
                                 img.addEventListener('error', r, {once: true}); })));
}"""


def _jump_to_last_section(page) -> str | None:
    """Follow the page's last table-of-contents link; the section's address, or None
    for a page without a table of contents.

    On a desktop the reader clicks the last entry they see (deeper levels stay
    folded). On a phone the contents are in a drawer (its button is tested by
    test_the_sidebar_buttons_a_reader_sees_open_the_sidebars); the link is followed
    as the drawer's would be, by its own click(), so the page is read without the
    drawer over it."""
    links = page.locator("#pst-page-toc-nav a.nav-link")
    if links.count() == 0:
        return None
    shown = page.locator("#pst-page-toc-nav a.nav-link:visible")
    if shown.count():
        last = shown.last
        href = last.get_attribute("href")
        last.click()
    else:
        href = links.last.get_attribute("href")
        links.last.evaluate("a => a.click()")
    page.wait_for_function(
        "h => decodeURIComponent(location.hash) === decodeURIComponent(h)", arg=href
    )
    page.evaluate(IMAGES_IN_VIEW_SETTLED)
    return href


# Nothing may move: the layout shifts of a reading add up to 0. Every shift a reader
# would see is gone (figures sized, theme resolved before the first paint, no
# collapsing ad slot, contents unfolded from the start: the largest were 0.13 and
# 0.03). On a busy machine the full browser once showed a race between the first paint
# and the theme's deferred scripts on some runs (the first table of notation.html on
# a phone, 0.007 to 0.04); 108 readings of every page in Chromium's headless shell
# with both cores busy showed none. A page whose first reading moves is read again in
# a fresh context, so only a page that moves on two readings fails: a shift every
# reading meets, however small, still fails.
LAYOUT_SHIFT_ALLOWED = 0.0


def _layout_shifts(page, where: str) -> tuple[float, list[dict]]:
    """The layout-shift entries since the first paint (recorded by the init script
    RECORD_LAYOUT_SHIFTS), with recent input or without, and their sum."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
    shifts = page.evaluate("window.__layoutShifts")
    assert shifts is not None, f"{where}: the layout-shift recorder did not run"
    return sum(s["value"] for s in shifts), shifts


def _read(browser, base_url: str, path: str, scheme: str, options: dict) -> PageWatch:
    """A fresh context that opens ``path``, jumps to its last section (the figures
    above it not loaded yet) and scrolls through the whole page."""
    watch = PageWatch(browser, base_url, color_scheme=scheme, **options)
    watch.page.add_init_script(RECORD_LAYOUT_SHIFTS)
    if path == "404.html":
        watch.expected_error_url = base_url + path
    watch.goto(path, scroll=False)
    _jump_to_last_section(watch.page)
    watch.page.evaluate(SCROLL_THROUGH)
    watch.page.evaluate(IMAGES_SETTLED)
    return watch


def _check_no_layout_shift(watch, where: str, read_again) -> None:
    total, shifts = _layout_shifts(watch.page, where)
    if total <= LAYOUT_SHIFT_ALLOWED:
        return
    again = read_again()
    try:
        total_again, shifts_again = _layout_shifts(again.page, where)
    finally:
        again.close()
    assert total_again <= LAYOUT_SHIFT_ALLOWED, (
        f"{where}: the page moved on two readings (layout shift {total:.4f}, then "
        f"{total_again:.4f}): {json.dumps([shifts, shifts_again], indent=2)}"
    )


# Each figure of a tutorial (and each thumbnail), as drawn: the page's background,
# the figure's background (its most common opaque colour: a thumbnail's margin is
# transparent), its darkest and lightest opaque pixel.
FIGURE_COLOURS = """async () => {
    const lum = (r, g, b) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const page = getComputedStyle(document.body).backgroundColor.match(/\\d+/g);
    const figures = [];
    for (const img of document.querySelectorAll('img.only-light, img.only-dark')) {
        const shown = img.getClientRects().length > 0;
        const figure = {
            classes: img.className, shown, src: img.currentSrc,
            thumbnail: /_thumb(_dark)?[.]png$/.test(img.src),
            candidates: img.srcset ? img.srcset.split(',').map(c => new URL(
                c.trim().split(' ')[0], document.baseURI).href) : [img.src],
        };
        figures.push(figure);
        if (!shown) continue;
        if (!img.complete) {
            img.scrollIntoView();
            await new Promise(r => { img.addEventListener('load', r, {once: true});
                                     img.addEventListener('error', r, {once: true}); });
        }
        figure.src = img.currentSrc;
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(img, 0, 0, canvas.width, canvas.height);
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let darkest = 255, lightest = 0;
        const counts = new Array(256).fill(0);
        for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] < 255) continue;
            const l = lum(data[i], data[i + 1], data[i + 2]);
            counts[Math.round(l)] += 1;
            if (l < darkest) darkest = l;
            if (l > lightest) lightest = l;
        }
        const background = counts.indexOf(Math.max(...counts));
        Object.assign(figure, {background, darkest, lightest});
    }
    return {
        theme: document.documentElement.dataset.theme,
        page: lum(...page.slice(0, 3).map(Number)),
        figures,
    };
}"""


def _check_figures_follow_theme(watch: PageWatch, where: str, scale: int = 1):
    """The figure copy for the page's theme is shown (and only it was fetched, at
    the screen's resolution); its background is the page's (both dark or both
    light) and its ink the opposite of it."""
    report = watch.page.evaluate(FIGURE_COLOURS)
    theme, dark_page = report["theme"], report["page"] < 128
    assert dark_page == (theme == "dark"), f"{where}: page {report}"
    for figure in report["figures"]:
        own = f"only-{theme}" in figure["classes"].split()
        assert figure["shown"] == own, (
            f"{where}: {figure['src']} ({figure['classes']}) "
            f"{'hidden' if own else 'shown'} in the {theme} theme"
        )
        if not own:
            fetched = set(figure["candidates"]) & set(watch.requested)
            assert not fetched, f"{where}: a hidden figure was fetched: {fetched}"
            continue
        if not figure["thumbnail"]:  # (thumbnails come in one size)
            assert figure["src"].endswith("_2_00x.png") == (scale == 2), (
                f"{where}: {figure['src']} shown on a screen of scale {scale}"
            )
        assert (figure["background"] < 128) == dark_page, (
            f"{where}: {figure['src']}: background luminance {figure['background']} "
            f"on a {theme} page (luminance {report['page']:.0f})"
        )
        if dark_page:
            assert figure["lightest"] > 160, f"{where}: no light ink in {figure}"
        else:
            assert figure["darkest"] < 90, f"{where}: no dark ink in {figure}"
    return report


def _axe_violations(page, where: str) -> list[dict]:
    """Critical, serious and moderate violations of the pinned npm axe-core."""
    from booktools import axe

    results = axe.run(page)
    assert results["testEngine"]["version"] == axe.pinned_version(), where
    return axe.violations(results)


def test_the_axe_core_in_use_finds_what_older_ones_missed(browser):
    """The pinned axe-core (npm's, injected into the page) with its default rules
    reports the two faults the theme's pages had: a search button named "Search"
    that shows "Search Ctrl+K" (serious; the axe-core bundled with
    axe-playwright-python left that rule off), and text outside every landmark
    (moderate). So a clean page above is clean under the current rules."""
    from booktools import axe

    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
            '<button aria-label="Search">Search <kbd>Ctrl</kbd>+<kbd>K</kbd></button>'
            "</main><div><p>Outside every landmark</p></div></body></html>"
        )
        found = {v["id"]: v["impact"] for v in axe.violations(axe.run(page))}
    finally:
        context.close()
    assert found == {"label-content-name-mismatch": "serious", "region": "moderate"}


@pytest.mark.parametrize("path", PAGES or ["<no built book>"])
def test_page_reads_well_light_on_a_desktop_and_dark_on_a_phone(
    browser, base_url, path
):
    """Every page, both ways: the theme follows the system; no console error, no
    failed or foreign request; images loaded with alt text and sized; figures in the
    page's theme; nothing moves when the reader jumps to the last section and scrolls
    through; math drawn; no critical, serious or moderate violation of the current
    axe-core (npm's, pinned in tools/axe), with a contents entry marked as the section
    being read; and on the phone, nothing wider than the screen."""
    _require_built_book()
    for reading, (scheme, options) in READINGS.items():
        where = f"{path} ({reading})"
        watch = _read(browser, base_url, path, scheme, options)
        try:
            theme = watch.page.evaluate("document.documentElement.dataset.theme")
            assert theme == scheme, f"{where}: theme {theme!r} for a {scheme} system"
            watch.assert_clean(where)
            _check_images(watch.page, where)
            again = partial(_read, browser, base_url, path, scheme, options)
            _check_no_layout_shift(watch, where, again)
            _check_figures_follow_theme(
                watch, where, scale=options.get("device_scale_factor", 1)
            )
            _check_math(watch.page, where)
            # After the jump: a contents entry is marked as the section being read.
            violations = _axe_violations(watch.page, where)
            assert not violations, (
                f"{where}: axe-core: {json.dumps(violations, indent=2)}"
            )
            if options["viewport"] is PHONE:
                width = watch.page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (
                    f"{where}: the page is {width}px wide on a {PHONE['width']}px phone"
                )
        finally:
            watch.close()


def test_copy_button_copies_code_without_prompts_or_outputs(browser, base_url):
    watch = PageWatch(browser, base_url, viewport=DESKTOP)
    watch.context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        path = TUTORIALS[0] if TUTORIALS else pytest.fail("no tutorial page")
        watch.goto(path, scroll=False)
        page = watch.page
        outputs = page.locator(".sphx-glr-script-out button.copybtn").count()
        assert outputs == 0, f"{path}: {outputs} copy buttons on printed outputs"
        block = page.locator("div.highlight-Python div.highlight").first
        block.hover()
        block.locator("button.copybtn").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        code = block.locator("pre").inner_text()
        assert copied.strip(), "nothing was copied"
        assert (
            copied.strip() == re.sub(r"^(>>> |\.\.\. )", "", code, flags=re.M).strip()
        )
        assert ">>> " not in copied
        watch.assert_clean(path)
    finally:
        watch.close()


def test_copy_button_leaves_out_doctest_prompts_and_outputs(browser, base_url):
    """The API page's examples have '>>> ' prompts and printed results: the copy
    button copies the code after the prompts, and no result line."""
    watch = PageWatch(browser, base_url, viewport=DESKTOP)
    watch.context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        watch.goto("api.html", scroll=False)
        page = watch.page
        block = page.locator("div.highlight:has(pre .gp)").first
        assert block.count(), "api.html: no example with '>>> ' prompts"
        shown = block.locator("pre").inner_text()
        outputs = [
            line
            for line in shown.splitlines()
            if line and not line.startswith((">>> ", "... "))
        ]
        assert outputs, f"the first example shows no printed result:\n{shown}"
        block.hover()
        block.locator("button.copybtn").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        code = [
            line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))
        ]
        # Outputs leave at most an empty line behind.
        assert [line for line in copied.splitlines() if line.strip()] == code
        assert not any(out in copied for out in outputs)
        watch.assert_clean("api.html")
    finally:
        watch.close()


def test_search_works_offline(browser, base_url):
    """Type in the search box of the front page; the search page lists results."""
    watch = PageWatch(browser, base_url, viewport=DESKTOP)
    try:
        watch.goto("index.html", scroll=False)
        page = watch.page
        page.keyboard.press("Control+k")
        box = page.locator("#pst-search-dialog input[name=q]")
        box.fill("derivative")
        box.press("Enter")
        page.wait_for_url("**/search.html?q=derivative*")
        # Sphinx's search lists its results one by one (5 ms apart), then says
        # "Search finished, found N pages"; read them only then.
        summary = page.locator("#search-results p.search-summary")
        summary.filter(has_text="Search finished").wait_for(timeout=15_000)
        found = re.search(r"found (one|\d+) page", summary.inner_text())
        assert found, summary.inner_text()
        results = page.locator("#search-results ul.search li")
        expected = 1 if found.group(1) == "one" else int(found.group(1))
        assert results.count() == expected >= 1
        hrefs = [a.get_attribute("href") for a in results.locator("a").all()]
        assert any("auto_examples/" in h for h in hrefs), hrefs
        watch.assert_clean("search")
    finally:
        watch.close()


def test_the_sidebar_buttons_a_reader_sees_open_the_sidebars(browser, base_url):
    """On a phone, the visible buttons open the book's contents and the page's in a
    drawer; on a wide screen, the contents button folds the sidebar away."""
    path = TUTORIALS[0] if TUTORIALS else pytest.fail("no tutorial page")
    for kind in ("primary", "secondary"):
        watch = PageWatch(browser, base_url, viewport=PHONE, is_mobile=True)
        try:
            watch.goto(path, scroll=False)
            watch.page.locator(f".{kind}-toggle:visible").first.click()
            drawer = watch.page.locator(f"dialog#pst-{kind}-sidebar-modal")
            drawer.wait_for(state="visible", timeout=5000)
            assert drawer.locator("a").count() > 0, f"{kind}: an empty drawer"
            watch.assert_clean(f"{path} ({kind} drawer)")
        finally:
            watch.close()
    watch = PageWatch(browser, base_url, viewport=DESKTOP)
    try:
        watch.goto(path, scroll=False)
        sidebar = watch.page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        watch.page.locator(".primary-toggle:visible").first.click()
        sidebar.wait_for(state="hidden", timeout=5000)
    finally:
        watch.close()


def test_dark_mode_toggle_switches_and_persists(browser, base_url):
    watch = PageWatch(browser, base_url, viewport=DESKTOP, color_scheme="light")
    try:
        path = TUTORIALS[0] if TUTORIALS else "index.html"
        watch.goto(path, scroll=False)
        page = watch.page

        def colours():
            return page.evaluate(
                """() => ({
                    theme: document.documentElement.dataset.theme,
                    page: getComputedStyle(document.body).backgroundColor,
                    code: getComputedStyle(
                        document.querySelector('div.highlight pre') || document.body
                    ).color,
                })"""
            )

        light = colours()
        assert light["theme"] == "light"
        page.locator(".theme-switch-button").first.click()
        page.locator(".theme-change-button[data-mode=dark]").first.click()
        dark = colours()
        assert dark["theme"] == "dark"
        assert dark["page"] != light["page"], "the page background did not change"
        assert dark["code"] != light["code"], "code colours did not follow the theme"

        def luminance(css: str) -> float:
            r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
            return 0.2126 * r + 0.7152 * g + 0.0722 * b

        assert luminance(dark["page"]) < 80 < luminance(light["page"])
        page.reload()
        assert colours()["theme"] == "dark", "the choice did not survive a reload"
        watch.assert_clean(path)
    finally:
        watch.close()


@pytest.mark.parametrize("system,chosen", [("light", "dark"), ("dark", "light")])
def test_figures_follow_the_theme_toggle(browser, base_url, system, chosen):
    """With the system in one scheme, the reader picks the other with the theme
    button: the figures switch to the copy drawn for it (background and ink), and
    the copy now hidden is not fetched again."""
    path = TUTORIALS[0] if TUTORIALS else pytest.fail("no tutorial page")
    watch = PageWatch(browser, base_url, viewport=DESKTOP, color_scheme=system)
    try:
        watch.goto(path, scroll=False)
        before = _check_figures_follow_theme(watch, f"{path} ({system} system)")
        assert before["theme"] == system and before["figures"], before
        watch.requested.clear()
        watch.page.locator(".theme-switch-button").first.click()
        watch.page.locator(f".theme-change-button[data-mode={chosen}]").first.click()
        after = _check_figures_follow_theme(watch, f"{path} ({chosen} by the toggle)")
        assert after["theme"] == chosen, after
        watch.assert_clean(path)
    finally:
        watch.close()


def test_an_old_address_leads_to_the_page_now_there(browser, base_url):
    """The redirect pages of docs/conf.py's book_redirects, in a browser: the reader
    lands on the page's new address, at the section they asked for."""
    from booktools.browser import redirect_pages

    old = next(iter(redirect_pages()), None)
    assert old, "no redirect page in the built book"
    watch = PageWatch(browser, base_url, viewport=PHONE, is_mobile=True)
    watch.left_url = base_url + old
    try:
        watch.page.goto(base_url + old + "#summary", wait_until="load")
        watch.page.wait_for_url(lambda url: not url.endswith(old + "#summary"))
        assert watch.page.url.endswith("#summary"), watch.page.url
        assert watch.page.locator("nav.book-tutorial-bar").count() == 1
        watch.assert_clean(old)
    finally:
        watch.close()


@pytest.fixture(scope="module")
def root_url():
    """The book served at "/", as `make serve` serves it (booktools.server too)."""
    _require_built_book()
    with serve(prefix="/") as url:
        yield url


@pytest.mark.parametrize("where", ["published path", "root"])
def test_a_missing_address_gets_a_working_404_page(browser, base_url, root_url, where):
    """Served under the published path (GitHub Pages) and at "/" (`make serve`), a
    missing address deep in the book answers 404 with the book's 404 page, its styles
    and scripts load from the book's root, its own "#" links stay on it, and its link
    to the front page leads there."""
    url = base_url if where == "published path" else root_url
    watch = PageWatch(browser, url, viewport=PHONE, is_mobile=True)
    try:
        missing = "no/such/chapter/page.html"
        watch.expected_error_url = url + missing
        response = watch.goto(missing, scroll=False)
        assert response.status == 404
        page = watch.page
        assert "Page not found" in page.locator(".bd-article h1").inner_text()
        sheets = page.evaluate("document.styleSheets.length")
        assert sheets >= 3, f"404 page has {sheets} stylesheets"
        skip = page.locator("a[href$='#main-content']").first.evaluate("a => a.href")
        assert skip == url + missing + "#main-content", skip
        watch.assert_clean(f"404 at {where}")
        page.locator("main a", has_text="front page").click()
        page.wait_for_load_state("load")
        assert page.url in {url, url + "index.html"}, page.url
        watch.assert_clean(f"404 at {where}, then the front page")
    finally:
        watch.close()
