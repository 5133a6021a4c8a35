"""The built book, read as files: every tutorial executed, nothing machine-specific,
nothing loaded from another host, math rendered, downloads present."""

from __future__ import annotations

import functools
import html
import json
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from booktools import BOOK
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

REPO = BOOK.root
TUTORIALS = BOOK.tutorials()

TEXT_SUFFIXES = {
    ".html",
    ".js",
    ".css",
    ".txt",
    ".py",
    ".ipynb",
    ".json",
    ".xml",
    ".svg",
}


def text_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@functools.cache
def soup(path: Path) -> BeautifulSoup:
    """The parsed page, parsed once per test process (several tests read every page:
    each page costs 50 ms to parse). Read it; never change it."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_every_tutorial_page_shows_executed_output(site, script):
    page = site / "auto_examples" / f"{script.stem}.html"
    assert page.exists(), f"no page for {script.name}"
    outputs = soup(page).select("div.sphx-glr-script-out pre")
    assert outputs, f"{page.name} shows no executed output"
    assert any("✓" in o.get_text() for o in outputs), (
        f"{page.name} shows no passing check"
    )


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_every_tutorial_can_be_downloaded(site, script):
    downloads = {p.name for p in (site / "_downloads").rglob("*") if p.is_file()}
    assert f"{script.stem}.py" in downloads
    assert f"{script.stem}.ipynb" in downloads


PRACTICE = [t for t in TUTORIALS if "<details" in t.read_text(encoding="utf-8")]


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_tutorial_bar_downloads_colab_and_torch_version(site, script):
    """Right under the title, before any code: .py, .ipynb, the zips of all, the
    gradbook wheel with the command that installs it; Colab only when configured;
    the torch version. Every download link leads to a usable file of the site."""
    import torch

    page_path = site / "auto_examples" / f"{script.stem}.html"
    page = soup(page_path)
    (bar,) = page.select("nav.book-tutorial-bar")
    main = page.select_one("main") or page
    h1, code = main.select_one("h1"), main.select_one("div.highlight")
    order = [id(e) for e in main.find_all(True) if e in (h1, bar, code)]
    assert order[:2] == [id(h1), id(bar)], (
        f"{script.stem}: the bar is not under the title"
    )
    assert f"torch {torch.__version__}" in bar.get_text()

    links = {a.get_text().strip(): a["href"] for a in bar.select("a")}
    wanted = {
        "Download .py": ".py",
        "Download .ipynb": ".ipynb",
        "All tutorials (.zip of .py)": ".zip",
        "All tutorials (.zip of .ipynb)": ".zip",
        "gradbook (.whl)": ".whl",
    }
    for label, suffix in wanted.items():
        assert label in links, f"{script.stem}: no '{label}' link in {sorted(links)}"
        href = links[label]
        assert href.endswith(suffix) and "://" not in href, href
        file = (page_path.parent / href).resolve()
        assert file.is_file() and file.is_relative_to(site.resolve()), href
        if suffix == ".py":
            compile(file.read_text(encoding="utf-8"), href, "exec")
        elif suffix == ".ipynb":
            assert json.loads(file.read_bytes())["cells"], f"{href}: no cells"
        elif suffix == ".whl":
            with zipfile.ZipFile(file) as archive:
                assert "gradbook/__init__.py" in archive.namelist()
            wheel = file.relative_to(site.resolve()).as_posix()
        else:
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
            want = ".py" if ".py)" in label else ".ipynb"
            assert names and all(n.endswith(want) for n in names), names
    # The one command that installs gradbook, from the published book: the address
    # of the wheel the bar links.
    command = bar.select_one(".book-install code").get_text()
    assert command.startswith("pip install http"), command
    assert urlsplit(command.removeprefix("pip install ")).path.endswith("/" + wheel)

    repository = os.environ.get("BOOK_REPOSITORY_URL", "")
    colab = [h for t, h in links.items() if t == "Open in Colab"]
    if repository:
        owner_repo = urlsplit(repository).path.strip("/").removesuffix(".git")
        assert colab and colab[0].startswith(
            f"https://colab.research.google.com/github/{owner_repo}/blob/gh-pages/"
        ), colab
        assert colab[0].endswith(".ipynb")
    else:
        assert not colab, f"{script.stem}: a Colab link although no repository is set"


@pytest.mark.parametrize("script", PRACTICE, ids=[t.stem for t in PRACTICE])
def test_downloaded_notebook_folds_the_practice_solution(site, script):
    """The solution's code cells are collapsed in the .ipynb as on the page; the
    question and the code after the solution are not."""
    (path,) = (site / "_downloads").rglob(f"{script.stem}.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    hidden = [
        i for i, c in enumerate(cells) if c["metadata"].get("tags") == ["solution"]
    ]
    assert hidden, f"{path.name}: no solution cell is folded"
    for i in hidden:
        assert cells[i]["cell_type"] == "code"
        assert cells[i]["metadata"]["jupyter"] == {
            "source_hidden": True,
            "outputs_hidden": True,
        }
    # Every Markdown cell's HTML is balanced: nothing folds the rest of the notebook.
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            assert text.count("<details") == text.count("</details>"), text[:200]
    # The question's code and the reader's answer cell stay visible.
    code = [c for c in cells if c["cell_type"] == "code"]
    answer = [c for c in code if "your_answer = None" in "".join(c["source"])]
    assert answer, f"{path.name}: no cell for the reader's answer"
    for cell in [code[0], *answer]:
        assert "jupyter" not in cell["metadata"], "".join(cell["source"])


def test_the_zip_of_all_tutorials_is_published(site):
    zips = sorted(p.name for p in (site / "_downloads").rglob("*.zip"))
    assert any("python" in z for z in zips) and any("jupyter" in z for z in zips), zips


def test_no_memory_address_timing_or_build_path_in_the_output(site):
    build_paths = {str(REPO), str(Path.home()), "/tmp/"}
    address = re.compile(r"at 0x[0-9a-fA-F]{6,}")
    timing = re.compile(r"Total running time of the script|Estimated memory usage")
    problems = []
    for path in text_files(site):
        text = path.read_text(encoding="utf-8", errors="replace")
        if address.search(text):
            problems.append(f"{path.relative_to(site)}: memory address")
        if timing.search(text):
            problems.append(f"{path.relative_to(site)}: timing")
        problems += [
            f"{path.relative_to(site)}: path {p}" for p in build_paths if p in text
        ]
    assert not problems, "\n".join(problems)


def _loaded_urls(page: BeautifulSoup) -> list[str]:
    """URLs the browser fetches on its own when it opens the page (not links)."""
    urls = []
    for tag in page.find_all(["script", "img", "iframe", "source", "video", "audio"]):
        urls += [tag.get("src"), tag.get("srcset")]
    for link in page.find_all("link"):
        rel = set(link.get("rel") or [])
        if rel & {
            "stylesheet",
            "icon",
            "preload",
            "modulepreload",
            "manifest",
            "prefetch",
        }:
            urls.append(link.get("href"))
    for style in page.find_all("style"):
        urls += re.findall(r"url\(([^)]+)\)", style.get_text())
    return [u for u in urls if u]


def test_pages_load_nothing_from_another_host(site):
    external = re.compile(r"^\s*['\"]?(https?:)?//")
    problems = []
    for path in html_pages(site):
        for url in _loaded_urls(soup(path)):
            if external.match(url):
                problems.append(f"{path.relative_to(site)}: {url}")
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(([^)]+)\)", css.read_text(errors="replace")):
            if external.match(url):
                problems.append(f"{css.relative_to(site)}: {url}")
    assert not problems, "\n".join(problems)


def test_math_is_rendered_as_mathml_without_javascript(site):
    pages_with_math = 0
    for path in html_pages(site):
        text = path.read_text(encoding="utf-8")
        page = soup(path)
        for script in page.find_all("script"):
            code = (script.get("src") or "") + script.get_text()
            assert "mathjax" not in code.lower(), f"{path.name} loads MathJax"
        body = page.find("main") or page
        raw = re.search(r"\\\(|\\\[|\$\$", body.get_text())
        assert not raw, f"{path.relative_to(site)} shows raw LaTeX: {raw.group(0)}"
        pages_with_math += "<math" in text
    assert pages_with_math >= 1


def test_generated_notebooks_are_not_built_as_pages(site):
    """myst-nb must not turn sphinx-gallery's .ipynb downloads into extra pages."""
    from booktools.browser import is_redirect

    stray = [
        p.name for p in (site / "auto_examples").glob("*.html") if not is_redirect(p)
    ]
    expected = {f"{t.stem}.html" for t in TUTORIALS} | {"index.html"}
    assert set(stray) == expected


def test_gallery_figures_are_light_palette_pngs(site):
    """images.py: plots (as the scraper writes them) and thumbnails are palette PNGs."""
    from PIL import Image

    images = sorted((site / "_images").glob("sphx_glr_*.png"))
    assert images, "no gallery figures in _images/"
    for path in images:
        with Image.open(path) as image:
            assert image.mode == "P", f"{path.name} is {image.mode}, not a palette PNG"


def test_gallery_images_load_lazily(site):
    """images.py: thumbnails and figures wait until scrolled near."""
    from booktools.browser import is_redirect

    pages = sorted((site / "auto_examples").glob("*.html"))
    for page in [site / "index.html", *(p for p in pages if not is_redirect(p))]:
        images = [
            img
            for img in soup(page).find_all("img")
            if Path(img.get("src", "")).name.startswith("sphx_glr_")
        ]
        assert images, f"{page.name}: no gallery figure or thumbnail"
        for img in images:
            assert img.get("loading") == "lazy", f"{page.name}: {img}"


def test_every_img_has_its_size_and_figures_come_in_both_themes(site):
    """docs/_ext/images.py: every <img> of every page carries its 1x width and height
    (the file's own); a tutorial's figures come in pairs, one for the light theme and
    one for the dark, each with a 2x copy for phones; so do the thumbnails of the
    tutorials that have figures, the dark one right after the light one."""
    import imagesize
    from booktools.browser import is_redirect

    pages = [p for p in html_pages(site) if not is_redirect(p)]
    figures = thumbnails = 0
    for page in pages:
        for light in soup(page).find_all("img", src=re.compile(r"_thumb\.png$")):
            stem = light["src"].rsplit("/", 1)[-1].removesuffix("_thumb.png")
            has_figures = (site / "_images" / f"{stem}_001_dark.png").is_file()
            dark = light.find_next_sibling("img")
            where = f"{page.relative_to(site)}: {light}"
            if not has_figures:
                assert "only-light" not in (light.get("class") or []), where
                continue
            thumbnails += 1
            assert "only-light" in light["class"], where
            assert dark is not None and "only-dark" in dark["class"], where
            assert dark["src"] == light["src"].replace("_thumb.png", "_thumb_dark.png")
            assert dark.get("loading") == light.get("loading") == "lazy", where
        for img in soup(page).find_all("img"):
            where = f"{page.relative_to(site)}: {img}"
            file = (page.parent / img["src"]).resolve()
            assert file.is_file(), where
            assert [img.get("width"), img.get("height")] == [
                str(v) for v in imagesize.get(file)
            ], where
            classes = img.get("class") or []
            if "sphx-glr-single-img" in classes or "sphx-glr-multi-img" in classes:
                figures += 1
                dark = "_dark" in file.stem
                assert ("only-dark" if dark else "only-light") in classes, where
                twin = file.with_name(
                    file.stem.removesuffix("_dark") + ("" if dark else "_dark") + ".png"
                )
                assert twin.name in str(page.read_text(encoding="utf-8")), where
                candidates = [c.split() for c in img["srcset"].split(",")]
                assert [c[1] for c in candidates if len(c) > 1] == ["2.00x"], where
    assert figures, "no gallery figure in any page"
    assert thumbnails, "no thumbnail in both themes in any page"


# Pages that are not documents of the book: no sitemap entry needed.
NOT_IN_SITEMAP = {"search.html", "genindex.html", "404.html"}


def test_site_metadata_favicon_sitemap_and_open_graph(site):
    """Every page: a meta description, Open Graph tags under the base URL, a favicon;
    sitemap.xml lists every page of the book under the same base URL."""
    from booktools.browser import site_pages

    pages = site_pages(site)
    index = (site / "index.html").read_text(encoding="utf-8")
    base = re.search(r'<link rel="canonical" href="([^"]+)index.html"', index)
    assert base, "no canonical link on index.html"
    base_url = base.group(1)
    for path in pages:
        text = (site / path).read_text(encoding="utf-8")
        description = re.search(r'<meta name="description" content="([^"]*)"', text)
        assert description and len(description.group(1)) > 20, (
            f"{path}: no meta description"
        )
        assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', text), path
        if path in ("search.html", "genindex.html"):
            continue  # generated pages: no document to share
        og_url = re.search(r'<meta property="og:url" content="([^"]+)"', text)
        assert og_url and og_url.group(1) == base_url + path, (path, og_url)
        assert '<meta property="og:title"' in text, path
        # The description is the page's opening words as a reader sees them (inline
        # code keeps the spaces around it), cut at a word.
        said = html.unescape(description.group(1)).removesuffix("…")
        article = re.search(r"<article.*?</article>", text, re.S)
        shown = " ".join(
            html.unescape(re.sub(r"<[^>]+>", "", article.group(0))).split()
        )
        assert said in shown, (path, said)
    assert (site / "_static" / "favicon.svg").is_file()
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    listed = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    expected = {base_url + p for p in pages if p not in NOT_IN_SITEMAP}
    assert listed == expected, (sorted(listed ^ expected), base_url)
    assert "<lastmod>" not in sitemap, "lastmod comes from git dates: not reproducible"


def test_pages_load_none_of_the_assets_the_book_leaves_out(site):
    """docs/_ext/assets.py: no Font Awesome script, no empty theme.css, no unused
    sphinx-gallery files, on any page."""
    from assets import DROPPED_THEME_ASSETS, UNUSED_EVERYWHERE
    from booktools.browser import site_pages

    for page in site_pages(site):
        text = (site / page).read_text(encoding="utf-8")
        for asset in (*DROPPED_THEME_ASSETS, *sorted(UNUSED_EVERYWHERE)):
            assert asset not in text, f"{page} loads {asset}"


def test_navigation_toggles_have_accessible_names(site):
    """docs/_templates/sbt-sidebar-nav.html names the theme's empty <summary>s."""
    named = 0
    for path in html_pages(site):
        for summary in soup(path).select("nav.bd-docs-nav summary"):
            assert summary.get_text(strip=True) or summary.get("aria-label"), path
            named += 1
    assert named, "no navigation toggle found: is the sidebar override still used?"


def test_old_addresses_lead_to_the_pages_now_there(site):
    """docs/conf.py's book_redirects: a page at each old address names its new page
    as canonical and sends the reader there; none is in the sitemap."""
    from booktools.browser import redirect_pages
    from conftest import book_config

    redirects = book_config("book_redirects")
    assert sorted(f"{old}.html" for old in redirects) == redirect_pages(site)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for old, new in redirects.items():
        page = (site / f"{old}.html").read_text(encoding="utf-8")
        assert (site / f"{new}.html").is_file(), new
        target = Path(new).name + ".html"
        assert f'url={target}"' in page and f'href="{target}"' in page, old
        assert f"{old}.html" not in sitemap


@pytest.mark.parametrize("page", ["index.html", "api.html"])
def test_the_front_and_api_pages_install_gradbook_from_the_book(site, page):
    """Where the book tells a reader how to install gradbook, it is the wheel the book
    ships (docs/_ext/book_wheel.py's {gradbook-install}), not a clone of the
    repository; torch is installed first, so pip does not pick a CUDA build for it."""
    from conftest import book_config

    wheel = book_config("book_wheel")
    assert (site / wheel).is_file(), f"no wheel at {wheel}"
    blocks = [pre.get_text() for pre in soup(site / page).select("div.highlight pre")]
    install = [b for b in blocks if "pip install" in b]
    assert install == [
        f"pip install torch matplotlib\npip install {book_config('html_baseurl')}{wheel}\n"
    ], install
