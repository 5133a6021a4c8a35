"""Sphinx configuration for the book "Differentiation in PyTorch".

How the pieces fit (see README.md, "How the book is built"):

* ``gallery/*.py`` are executed by sphinx-gallery, which writes ``docs/auto_examples/``
  (generated, git-ignored): one page, its figures and a .py/.ipynb download per tutorial.
* Hand-written pages are MyST Markdown, read (and, when they have code cells, executed)
  by myst-nb.
* ``docs/_ext`` holds the book's own small extensions, one concern each (listed in
  ``extensions`` below, each with what it does).

The build's command line and environment are not here: ``make html`` runs
``tools/booktools`` (booktools.sphinx), which the tests and tools use too.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path.insert(0, str(HERE / "_ext"))

import bookbuild  # noqa: E402  (docs/_ext, just put on the path)
import notebook_cache  # noqa: E402

# Sphinx does not notice when the book's own extensions change; this value does (a
# change of it makes Sphinx read and write every page again), so an edit of
# docs/_ext/*.py reaches every page without `make clean`.
book_extensions_digest = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted((HERE / "_ext").glob("*.py")))
).hexdigest()

# -- Project -------------------------------------------------------------------------
project = "Differentiation in PyTorch"
author = "The Differentiation in PyTorch contributors"
copyright = "2026, " + author  # Sphinx clamps the year with SOURCE_DATE_EPOCH
# gradbook's installed version (the Makefile reinstalls it when __init__.py changes).
# Importing gradbook here would import torch (2 s) and make a no-change rebuild slow.
version = release = installed_version("gradbook")
language = "en"

# -- Extensions ----------------------------------------------------------------------
extensions = [
    "myst_nb",  # MyST pages and executed MyST notebooks (never add myst_parser too)
    # After myst_nb and before sphinx-gallery: the notebook pages run (or come from
    # their cache) while the tutorials run.
    "notebook_cache",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    # The book's own, in docs/_ext:
    "mathml",  # LaTeX -> MathML at build time
    "bookbuild",  # strict tutorials: no warning, no exit, every value checked
    "build_speed",  # the same bytes sooner: work moved to where a core is idle
    "notebook_html",  # the downloaded notebooks fold the practice solutions
    "tutorial_bar",  # downloads, Colab and the torch version under each title
    "book_wheel",  # the gradbook wheel in the book's downloads
    "assets",  # only the scripts and styles the book uses; named nav toggles
    "seo",  # descriptions, Open Graph, sitemap.xml, a 404 page at any address
    "lean_code",  # code blocks without the spans that change nothing
    "images",  # figures in light and dark, sharp at 2x, sized; palette PNGs, lazy
    "tutorial_meta",  # reading time and prerequisites; checks styled quieter
    "book_files",  # the EPUB and the PDF's page leave out what only the web uses
    "sphinx_copybutton",
]

# Sources: only what we write. sphinx-gallery also writes .py/.ipynb/.zip files next to
# its generated pages; myst-nb would pick those notebooks up as pages and execute them
# a second time, so they are excluded here.
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/**/*.ipynb",
    "auto_examples/**/*.py",
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
    "jupyter_execute",
]
templates_path = ["_templates"]
# Every cross-reference must resolve: a broken :func:`...` is a warning, so -W fails.
# Other projects' objects (torch.Tensor in a signature, :func:`torch.autograd.grad` in
# the text) cannot resolve without intersphinx, whose inventories would be fetched
# from the network at build time; they are shown as code, unlinked.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|collections\.abc|typing|matplotlib|numpy|sympy)(\..*)?"),
]

# -- MyST / myst-nb ------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3
# A notebook page's outputs come from a jupyter-cache when its code, gradbook, the
# installed packages and Python are all as when they were stored; otherwise the page
# is executed (while the tutorials run: docs/_ext/notebook_cache.py) and stored.
nb_execution_mode = "cache"
nb_execution_cache_path = str(
    notebook_cache.cache_folder(HERE / "_build", bookbuild.execution_inputs_digest())
)
nb_execution_raise_on_error = True  # a failing cell fails the build ...
nb_execution_show_tb = (
    True  # ... and the traceback goes to the console, not to the site
)
nb_execution_timeout = 120
nb_execution_excludepatterns = ["auto_examples/*"]
nb_output_stderr = (
    "warn"  # a warning printed by a cell is a Sphinx warning (-W: an error)
)
nb_merge_streams = True

# -- sphinx-gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../gallery"],
    "gallery_dirs": ["auto_examples"],
    # Execute every script in gallery/, whatever its name; bookbuild also refuses a build
    # in which any script was not executed.
    "filename_pattern": r".*",
    # Numbered file names give the reading order.
    "within_subsection_order": "FileNameSortKey",
    # Strings ("module.function"), not callables: -W rejects an unpicklable config value.
    "reset_modules": ("matplotlib", "bookbuild.reset_tutorial"),
    "reset_modules_order": "both",
    "remove_config_comments": True,
    "download_all_examples": True,
    "doc_module": ("gradbook",),
    "backreferences_dir": "gen_modules/backreferences",
    "inspect_global_variables": False,
    "show_memory": False,
    # Run the tutorials on every core, one worker process per core (each imports
    # torch once: more workers than cores only add imports; 4 workers on 2 cores took
    # 16 s where 2 took 12). Not Sphinx's -j, which is twice the cores
    # (booktools.sphinx). The reset hook guards each tutorial wherever it runs.
    "parallel": os.cpu_count() or 1,
    # Timings differ between builds: never write them into pages.
    "min_reported_time": 10**9,
    "write_computation_times": False,
    # "first_notebook_cell" (installing gradbook) is set below, with html_baseurl.
    "show_signature": False,
    # Pages show what the script prints, nothing more: the downloaded .py, run with
    # python, then prints exactly what the page shows (tests/test_downloads.py).
    "capture_repr": (),
    # Each figure in the light and the dark theme (the page shows the one that matches
    # the reader's), at 1x and at 2x for phones' screens: docs/_ext/images.py. A
    # string, not the function: -W rejects an unpicklable config value.
    "image_scrapers": ("images.scrape_figures",),
    "image_srcset": ["2x"],
}

# -- HTML ----------------------------------------------------------------------------
# The two settings a copy of the book changes; the Pages workflow sets both from the
# repository it runs in (.github/workflows/pages.yml).
#   BOOK_BASE_URL: where the book is published; sitemap.xml, canonical and Open Graph
#     URLs are built from it.
#   BOOK_REPOSITORY_URL: https://github.com/OWNER/REPO; the "Open in Colab" link of
#     each tutorial is built from it, and left out when it is empty.
html_baseurl = os.environ.get(
    "BOOK_BASE_URL", "https://example.invalid/differentiation-in-pytorch/"
)
if not html_baseurl.endswith("/"):
    html_baseurl += "/"
book_repository_url = os.environ.get("BOOK_REPOSITORY_URL", "")

# The gradbook wheel the book ships (docs/_ext/book_wheel.py builds it into the HTML
# output at this path). Each tutorial's bar links it with the command that installs
# it; a downloaded notebook (in Colab, or anywhere without gradbook) installs it from
# the published book in its first cell, and does nothing where gradbook is present.
book_wheel = f"_downloads/gradbook-{release}-py3-none-any.whl"
sphinx_gallery_conf["first_notebook_cell"] = (
    "# gradbook, the book's helper package, is installed from the book when missing.\n"
    "try:\n"
    "    import gradbook\n"
    "except ImportError:\n"
    f"    %pip install {html_baseurl}{book_wheel}"
)

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_math_renderer = "mathml"  # docs/_ext/mathml.py
html_css_files = ["book.css"]
html_favicon = "_static/favicon.svg"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    # Every level of the page's contents shown at once: a level that unfolds when
    # its section is reached pushes the entries below it down (a layout shift).
    "show_toc_level": 4,  # api.html has four levels (a function's tutorials)
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    # The theme's default here is an empty Read the Docs ad slot (the book is not on
    # Read the Docs), which the theme's script collapses after the first paint: a
    # layout shift at the foot of the sidebar.
    "primary_sidebar_end": [],
}
html_context = {"default_mode": "auto"}  # follow the reader's system until they choose

# Copy buttons copy the code only: not the ">>> " / "... " prompts, not the outputs
# (sphinx-gallery prints outputs in their own blocks, which get no button).
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False
copybutton_exclude = ".linenos, .gp, .go"
copybutton_selector = "div:not(.sphx-glr-script-out) > div.highlight > pre"

# sitemap.xml is written by docs/_ext/seo.py from every document of the book (not
# only the pages a build happened to rewrite, as sphinx-sitemap does), without
# <lastmod> (git dates differ between clones).
sitemap_excludes = ["404"]

# Addresses that moved: the tutorials were renumbered when new chapters came in.
# docs/_ext/seo.py writes a small page at each old address that sends the reader on
# (and tells search engines where the page is now); it is not in sitemap.xml.
book_redirects = {
    f"auto_examples/{old}": f"auto_examples/{new}"
    for old, new in [
        ("03_partial_derivatives", "05_partial_derivatives"),
        ("04_sum_trick", "06_sum_trick"),
        ("05_activation_functions", "07_activation_functions"),
        ("06_custom_function", "08_custom_function"),
        ("07_higher_order", "09_higher_order"),
        ("08_jacobians_hessians", "10_jacobians_hessians"),
        ("09_forward_mode", "11_forward_mode"),
        ("10_accumulation", "13_accumulation"),
        ("11_kinks", "15_kinks"),
        ("12_common_errors", "17_common_errors"),
        ("13_capstone_fitting", "18_capstone_fitting"),
    ]
}

# A <meta name="description"> and Open Graph tags per page, from its opening
# paragraphs, cut near this many characters (docs/_ext/seo.py).
book_description_length = 180

# -- The book as files: EPUB and PDF (make files, tools/booktools/files.py) -------------
# Sphinx's epub builder writes the EPUB 3 (math as MathML, as on the site); booktools
# then declares the MathML in its package file and zips it reproducibly.
epub_basename = "differentiation-in-pytorch"
epub_title = project
epub_author = author
epub_publisher = author
epub_description = (
    "An executable book on how PyTorch computes derivatives: every page was run and "
    "every number it states checked against calculus when the book was built."
)
epub_identifier = html_baseurl  # the published book's address names it
epub_uid = "book-id"  # the XML id of that identifier
epub_show_urls = "no"  # links stay links; no URLs printed into the text
epub_exclude_files = ["404.xhtml"]  # the website's "page not found"

# -- autodoc -------------------------------------------------------------------------
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
