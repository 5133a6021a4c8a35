"""axe-core, the accessibility checker, as the audit and the browser tests run it.

The axe-core is npm's, pinned in ``tools/axe/package.json`` (and its lock), installed
into ``tools/axe/node_modules`` by ``npm ci`` (``make test`` and ``make audit`` do
it). Its ``axe.min.js`` is injected into the page and ``axe.run()`` checks the whole
document with axe's default rules (the rules axe marks experimental stay off, as they
do for every axe user). Nothing else is configured: what axe reports is what a
reader's checker reports.

The copy of axe-core bundled inside Python packages (axe-playwright-python) lags the
current release and misses rules now standard, such as ``label-content-name-mismatch``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from booktools.paths import BOOK

AXE_TOOLS = BOOK.root / "tools" / "axe"
AXE_JS = AXE_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
# The impacts axe gives a violation, worst first; the book allows none of the first three.
IMPACTS = ("critical", "serious", "moderate", "minor")
NOT_ALLOWED = IMPACTS[:3]
HOW_TO_INSTALL = (
    f"axe-core is missing ({AXE_JS}): install the pinned copy with "
    f"'cd {AXE_TOOLS.relative_to(BOOK.root)} && npm ci --ignore-scripts' "
    "(make test and make audit do it; they need node and npm: "
    "apt-get install -y npm)."
)


def axe_script(path: Path = AXE_JS) -> Path:
    """The pinned ``axe.min.js``, or FileNotFoundError saying how to install it."""
    if not path.is_file():
        raise FileNotFoundError(HOW_TO_INSTALL)
    return path


def pinned_version(lock: Path = AXE_TOOLS / "package-lock.json") -> str:
    """The axe-core version ``tools/axe/package-lock.json`` pins."""
    packages = json.loads(lock.read_text(encoding="utf-8"))["packages"]
    return packages["node_modules/axe-core"]["version"]


def run(page: Any) -> dict[str, Any]:
    """axe-core's results for the document loaded in the Playwright ``page``, with
    its default rules; ``results["testEngine"]["version"]`` is the version that ran."""
    page.add_script_tag(path=str(axe_script()))
    return page.evaluate(
        """async () => await axe.run(document, {resultTypes: ['violations']})"""
    )


def violations(results: dict[str, Any], impacts=NOT_ALLOWED) -> list[dict[str, Any]]:
    """The violations of ``results`` with one of ``impacts``, each with its first
    three offending elements (as HTML and as axe's CSS selector) and its message."""
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {
                    "html": n["html"][:200],
                    "target": n["target"],
                    "why": n.get("failureSummary", "")[:300],
                }
                for n in v["nodes"][:3]
            ],
            "count": len(v["nodes"]),
        }
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def count_by_impact(results: dict[str, Any]) -> dict[str, int]:
    """Offending elements per impact, every impact listed (0 when none)."""
    counts = dict.fromkeys(IMPACTS, 0)
    for v in results["violations"]:
        counts[v["impact"] or "minor"] += len(v["nodes"])
    return counts
