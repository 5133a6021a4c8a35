"""Screenshots of the built book for a person to look at: phone (390 px, device scale
2) and desktop, light and dark, every page.

Usage: python -m booktools screenshots --output DIR [--full-page] [PAGE ...]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from booktools.browser import (
    CHROMIUM_ARGS,
    HOW_TO_INSTALL,
    PHONE_SCALE,
    SCROLL_THROUGH,
    VIEWPORTS,
    find_chromium,
    site_pages,
)
from booktools.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools screenshots", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("pages", nargs="*", help="pages to shoot (default: all)")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print(HOW_TO_INSTALL, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.output.mkdir(parents=True, exist_ok=True)
    with serve() as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        for page_path in args.pages or site_pages():
            for size, viewport in VIEWPORTS.items():
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        viewport=viewport,
                        color_scheme=scheme,
                        is_mobile=size == "phone",
                        device_scale_factor=PHONE_SCALE if size == "phone" else 1,
                    )
                    page = context.new_page()
                    page.goto(base + page_path, wait_until="networkidle")
                    # Figures load lazily: scroll through the page so all are there.
                    page.evaluate(SCROLL_THROUGH)
                    page.wait_for_load_state("networkidle")
                    name = page_path.replace("/", "__").removesuffix(".html")
                    out = args.output / f"{name}-{size}-{scheme}.png"
                    page.screenshot(path=str(out), full_page=args.full_page)
                    print(out)
                    context.close()
        browser.close()
    return 0
