"""Measure what a reader's browser downloads from the built book: the page budget.

For every page of ``docs/_build/html`` (served on 127.0.0.1 with gzip, as a real host
serves it), Debian's Chromium driven by Playwright records, on a first visit with an
empty cache and after scrolling to the bottom (so every lazy image is loaded):

* bytes transferred (encoded body + headers) and number of requests;
* requests to any host other than the book's own;
* axe-core violations by impact, light and dark (the current axe-core from npm,
  pinned in ``tools/audit/package.json``, with its default rules: ``booktools.axe``);
  the budget is none critical, serious or moderate.

Then Lighthouse (pinned there too) runs with its default mobile
throttling on the front page, the API page and every tutorial, three times each (the
median run is reported): performance score, largest contentful paint, layout shift,
total transfer.

The figures are written to a JSON file (``make audit``); nothing here asserts a budget:
the budget is in the output, next to the figures, for a person to read.

Usage: python -m booktools audit --output docs/_build/audit.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from booktools import axe
from booktools.browser import (
    CHROMIUM_ARGS,
    DESKTOP,
    HOW_TO_INSTALL,
    PHONE,
    find_chromium,
    site_pages,
    tutorial_pages,
)
from booktools.paths import BOOK
from booktools.server import serve

# The pinned Lighthouse (package.json, package-lock.json, node_modules/); axe-core is
# pinned on its own (booktools.axe).
HERE = BOOK.root / "tools" / "audit"

BUDGET = {
    "tutorial_transfer_kb_max": 300,
    "tutorial_requests_max": 20,
    "lighthouse_performance_min": 95,
    "lighthouse_lcp_ms_max": 2500,
    "axe_critical_serious_moderate_max": 0,
    "foreign_requests_max": 0,
}


def measure_transfer(browser, base: str, page_path: str) -> dict:
    """First visit with an empty cache, scrolled to the bottom: bytes and requests."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True)
    page = context.new_page()
    responses = []
    failed = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(base + page_path, wait_until="load")
    page.evaluate(
        """async () => {
            for (let y = 0; y < document.body.scrollHeight; y += 400) {
                window.scrollTo(0, y);
                await new Promise(r => setTimeout(r, 20));
            }
        }"""
    )
    page.wait_for_load_state("networkidle")
    own_host = urlsplit(base).netloc
    total = 0
    by_type: dict[str, int] = {}
    foreign = []
    for request in responses:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += size
        kind = request.resource_type
        by_type[kind] = by_type.get(kind, 0) + size
        if urlsplit(request.url).netloc != own_host:
            foreign.append(request.url)
    foreign += [url for url in failed if urlsplit(url).netloc != own_host]
    context.close()
    return {
        "transfer_kb": round(total / 1024, 1),
        "requests": len(responses) + len(failed),
        "failed_requests": failed,
        "foreign_requests": foreign,
        "kb_by_type": {k: round(v / 1024, 1) for k, v in sorted(by_type.items())},
    }


def run_axe(browser, base: str, page_path: str) -> dict:
    """axe-core on the page, light and dark: offending elements by impact, and the
    critical, serious and moderate violations themselves."""
    out = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
        page = context.new_page()
        page.add_init_script(
            f"localStorage.setItem('mode', '{scheme}');"
            f"localStorage.setItem('theme', '{scheme}');"
        )
        page.goto(base + page_path, wait_until="load")
        results = axe.run(page)
        out[scheme] = {
            "by_impact": axe.count_by_impact(results),
            "violations": axe.violations(results),
            "axe_core": results["testEngine"]["version"],
        }
        context.close()
    return out


def run_lighthouse(chromium: str, url: str) -> dict:
    """Lighthouse with its default (mobile, simulated slow 4G) settings on one URL."""
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        return {"error": f"{binary} missing: run 'npm ci' in {HERE}"}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, CHROME_PATH=chromium)
        command = [
            str(binary),
            url,
            "--quiet",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={report}",
            "--chrome-flags=" + " ".join(CHROMIUM_ARGS),
        ]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=240
        )
        if done.returncode != 0 or not report.exists():
            return {"error": (done.stderr or done.stdout)[-2000:]}
        data = json.loads(report.read_text())
    audits = data["audits"]
    return {
        "performance": round(data["categories"]["performance"]["score"] * 100),
        "accessibility": round(data["categories"]["accessibility"]["score"] * 100),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "transfer_kb": round(audits["total-byte-weight"]["numericValue"] / 1024, 1),
        "lighthouse_version": data["lighthouseVersion"],
        "throttling": data["configSettings"]["throttlingMethod"],
        "form_factor": data["configSettings"]["formFactor"],
    }


def median_lighthouse(chromium: str, url: str, runs: int) -> dict:
    """Lighthouse varies from run to run (its own advice: take the median of several);
    report the run with the median performance score, and every run's score."""
    if runs < 1:
        raise ValueError(f"--lighthouse-runs must be at least 1, got {runs}")
    done = [run_lighthouse(chromium, url) for _ in range(runs)]
    good = sorted(
        (r for r in done if "performance" in r), key=lambda r: r["performance"]
    )
    if not good:
        return done[0]
    median = dict(good[len(good) // 2])
    median["runs"] = [
        {"performance": r["performance"], "lcp_ms": r["lcp_ms"]} for r in good
    ]
    return median


def tool_versions() -> dict:
    from importlib.metadata import version

    lock = HERE / "package-lock.json"
    lighthouse = "?"
    if lock.exists():
        lighthouse = json.loads(lock.read_text())["packages"][
            "node_modules/lighthouse"
        ]["version"]
    chromium = find_chromium()
    chromium_version = (
        subprocess.run(
            [chromium, "--version"], capture_output=True, text=True
        ).stdout.strip()
        if chromium
        else None
    )
    node = shutil.which("node")
    return {
        "playwright": version("playwright"),
        "axe-core": axe.pinned_version(),
        "lighthouse": lighthouse,
        "chromium": chromium_version,
        "node": subprocess.run(
            [node, "--version"], capture_output=True, text=True
        ).stdout.strip()
        if node
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools audit", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", type=Path, default=BOOK.build_dir / "audit.json")
    parser.add_argument("--html", type=Path, default=BOOK.html)
    parser.add_argument(
        "--no-lighthouse", action="store_true", help="skip Lighthouse (slow)"
    )
    parser.add_argument(
        "--lighthouse-runs",
        type=int,
        default=3,
        help="Lighthouse runs per page; the median run is reported (default 3)",
    )
    args = parser.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print(HOW_TO_INSTALL, file=sys.stderr)
        return 2
    try:
        axe.axe_script()
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    pages = site_pages(args.html)
    tutorials = tutorial_pages(pages)
    result: dict = {"budget": BUDGET, "tools": tool_versions(), "pages": {}}
    with serve(args.html) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        for page_path in pages:
            entry = measure_transfer(browser, base, page_path)
            entry["axe"] = run_axe(browser, base, page_path)
            entry["tutorial"] = page_path in tutorials
            result["pages"][page_path] = entry
            print(
                f"{page_path:45s} {entry['transfer_kb']:7.1f} KB "
                f"{entry['requests']:3d} requests, "
                f"foreign {len(entry['foreign_requests'])}, "
                "axe "
                + " / ".join(
                    f"{scheme} {sum(found['by_impact'][i] for i in axe.NOT_ALLOWED)}"
                    for scheme, found in entry["axe"].items()
                ),
                flush=True,
            )
        browser.close()
        if not args.no_lighthouse:
            # The landing page, the API page (its many thumbnails once shifted it
            # most) and every tutorial.
            audited = [p for p in ("index.html", "api.html") if p in pages]
            for page_path in [*audited, *tutorials]:
                lh = median_lighthouse(chromium, base + page_path, args.lighthouse_runs)
                result["pages"][page_path]["lighthouse_mobile"] = lh
                print(f"{page_path:45s} lighthouse {lh}", flush=True)

    tut = [result["pages"][p] for p in tutorials]
    lh = [
        e["lighthouse_mobile"]
        for e in result["pages"].values()
        if "performance" in e.get("lighthouse_mobile", {})
    ]
    result["summary"] = {
        "pages": len(pages),
        "tutorial_transfer_kb_max": max((e["transfer_kb"] for e in tut), default=None),
        "tutorial_requests_max": max((e["requests"] for e in tut), default=None),
        "foreign_requests_total": sum(
            len(e["foreign_requests"]) for e in result["pages"].values()
        ),
        "axe_by_impact": {
            impact: sum(
                found["by_impact"][impact]
                for e in result["pages"].values()
                for found in e["axe"].values()
            )
            for impact in axe.IMPACTS
        },
        "lighthouse_performance_min": min((e["performance"] for e in lh), default=None),
        "lighthouse_lcp_ms_max": max((e["lcp_ms"] for e in lh), default=None),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result["summary"], indent=2))
    print(f"Written to {args.output}")
    failed = {
        page: entry["lighthouse_mobile"]["error"]
        for page, entry in result["pages"].items()
        if "error" in entry.get("lighthouse_mobile", {})
    }
    if failed:  # a figure that could not be measured is not a figure: say so, fail
        for page, error in sorted(failed.items()):
            print(f"Lighthouse could not measure {page}:\n{error}", file=sys.stderr)
        return 1
    return 0
