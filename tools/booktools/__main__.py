"""``python -m booktools COMMAND``: the commands behind the Makefile's targets.

html [SPHINX OPTION ...]   build the book strictly (make html)
noplot [SPHINX OPTION ...] build without executing the tutorials (make html-noplot)
serve [--host H] [--port P]  serve the built book at / (make serve)
lint                       ruff, sphinx-lint and mypy (make lint)
lock [--upgrade NAME|all]  regenerate requirements-lock.txt with uv (make lock)
files [--check]            the book as one EPUB and one PDF (make files)
repro | bench | audit | screenshots   see each one's --help
compare-outputs BUILD_A BUILD_B [--build-log LOG]   what two builds' pages printed
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from booktools.paths import BOOK


def _build(options: list[str], noplot: bool) -> int:
    from booktools.sphinx import build

    done = build(BOOK, options, noplot=noplot, capture=False, skip_unchanged=not noplot)
    if done.skipped:
        print(
            f"The book in {done.html} is up to date: nothing it is built from changed "
            f"since its last build, and nothing it wrote did ({done.seconds:.2f} s)."
        )
    elif done.ok:
        where = done.html / "index.html"
        what = "The book" if not noplot else "An unexecuted preview"
        print(f"{what} is in {where} ('make serve' to read it); {done.seconds:.1f} s.")
    return done.returncode


def _serve(argv: list[str]) -> int:
    from booktools.server import make_server

    parser = argparse.ArgumentParser(
        prog="python -m booktools serve",
        description="Serve the built book at / on this machine (Ctrl-C stops).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        server = make_server(BOOK.html, prefix="/", host=args.host, port=args.port)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Serving the book at http://{args.host}:{args.port}/ (Ctrl-C stops)")
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command in {"html", "noplot"}:
        return _build(rest, noplot=command == "noplot")
    if command == "serve":
        return _serve(rest)
    if command in {"lint", "lock", "files", "repro", "bench", "audit", "screenshots"}:
        from importlib import import_module

        module = import_module(f"booktools.{command}")
        return int(module.main(rest))
    if command == "compare-outputs":
        from booktools.compare_outputs import main as compare_outputs

        return compare_outputs(rest)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
