"""The tutorials' figures and the gallery's thumbnails: sharp, sized, in the reader's
theme, light and loaded when needed.

* **Two themes, two resolutions** (``scrape_figures``, sphinx-gallery's image scraper,
  named in ``sphinx_gallery_conf["image_scrapers"]``): each figure a tutorial shows is
  drawn once per resolution (1x, and each factor of ``image_srcset``, e.g. 2x for
  phones) with a transparent background, then written twice: for the light theme (dark
  ink on the light page colour) and for the dark theme (light ink on the dark page
  colour). gradbook draws its ink in one grey (``gradbook.plot.INK``) that reads on
  white and black alike, which is what a downloaded notebook keeps; here every pixel of
  exactly that grey takes the theme's ink, keeping its coverage (alpha), before the
  figure is laid on the page colour. The data colours stay as drawn. The light copy is
  the file sphinx-gallery expects (its thumbnail is made from it); the dark copy is
  ``<name>_dark.png`` beside it. Both are palette PNGs.
* **Thumbnails in both themes** (``make_dark_thumbnails``, ``copy_dark_thumbnails``):
  sphinx-gallery makes each tutorial's thumbnail from the light copy of a figure; the
  same is made from its dark copy, and the page shows the one of the reader's theme.
* **Palette PNGs** (``compress_gallery_images``): a plot has a few dozen colours; the
  thumbnails sphinx-gallery makes are re-saved with a palette of at most 128 colours
  (the figures are already written that way), and nothing visible changes.
* **One pass over each page's ``<img>`` tags** (``size_and_theme_images``), found with
  Python's HTML parser in the page's body (sphinx-gallery writes its figures as raw
  HTML, the thumbnails are Sphinx's): every image gets its intrinsic (1x) ``width`` and
  ``height``, so the page does not move when it loads; gallery figures and thumbnails
  get ``loading="lazy"``; a figure's light and dark copies get the theme's
  ``only-light`` and ``only-dark`` classes, and a thumbnail's dark twin is put right
  after it (pydata-sphinx-theme shows one of each pair, following both its toggle
  and the system setting; the hidden one, lazy and ``display: none``, is never
  fetched). A builder without the theme's classes (EPUB) keeps only the light copy.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from textwrap import indent
from typing import Any

from book_files import is_web_build
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

GALLERY_IMAGE_PREFIX = "sphx_glr_"
PALETTE_COLOURS = 128
# zlib's level for the PNGs. Measured on the book's 128 figure files: Pillow's
# optimize=True (level 9) writes 1,722 KB in 5.6 s, level 8 1,751 KB (+1.7 %) in 2.0 s,
# level 6 1,954 KB in 0.6 s. Level 8 keeps the reader's bytes and most of the time.
PNG_COMPRESS_LEVEL = 8

# The page's background and body text, light and dark (--pst-color-background, which
# sphinx-book-theme 1.4 sets to #121212 in the dark theme, and pydata-sphinx-theme
# 0.20's --pst-color-text-base): a figure is laid on the page's own colour.
THEMES = {
    "light": {"background": "#ffffff", "ink": "#222832"},
    "dark": {"background": "#121212", "ink": "#ced6dd"},
}
DARK_SUFFIX = "_dark"
# sphinx-gallery's figure names: sphx_glr_<tutorial>_<NNN>[_dark][_2_00x].png
_FIGURE = re.compile(
    rf"^(?P<stem>{GALLERY_IMAGE_PREFIX}.+_\d{{3}})(?P<dark>{DARK_SUFFIX})?"
    r"(?P<scale>_\d+_\d\dx)?\.png$"
)
# sphinx-gallery's thumbnails: sphx_glr_<tutorial>_thumb[_dark].png
_THUMB = re.compile(
    rf"^(?P<stem>{GALLERY_IMAGE_PREFIX}.+)_thumb(?P<dark>{DARK_SUFFIX})?\.png$"
)


def dark_thumbnail_name(light: str) -> str:
    """The file name of a thumbnail's dark twin.

    >>> dark_thumbnail_name("sphx_glr_01_scalar_derivatives_thumb.png")
    'sphx_glr_01_scalar_derivatives_thumb_dark.png'
    """
    return light.removesuffix(".png") + DARK_SUFFIX + ".png"


# Builders whose pages carry the theme's only-light / only-dark rules.
THEMED_BUILDERS = {"html", "dirhtml", "singlehtml"}


# -- The scraper: each figure in both themes, at 1x and 2x ----------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        raise ValueError(f"expected a colour as #rrggbb, got {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def themed_copies(rgba: Any, grey: str) -> dict[str, Any]:
    """One transparent rendering of a figure as an opaque palette image per theme.

    ``rgba`` is an (height, width, 4) uint8 array as Matplotlib writes it (colour not
    premultiplied by alpha); pixels whose colour is exactly ``grey`` (the plots' ink)
    take each theme's ink, then everything is laid on the theme's background.

    >>> import numpy as np
    >>> pixels = np.zeros((1, 5, 4), np.uint8)
    >>> pixels[0, 1] = (128, 128, 128, 255)  # ink
    >>> pixels[0, 2] = (59, 130, 196, 255)  # a blue line
    >>> pixels[0, 3] = (59, 130, 196, 128)  # its anti-aliased edge: half covered
    >>> pixels[0, 4] = (128, 128, 128, 128)  # the edge of a letter: still ink
    >>> light = themed_copies(pixels, "#808080")["light"].convert("RGB")
    >>> [light.getpixel((x, 0)) for x in range(5)]
    [(255, 255, 255), (34, 40, 50), (59, 130, 196), (157, 192, 225), (144, 147, 152)]
    >>> dark = themed_copies(pixels, "#808080")["dark"].convert("RGB")
    >>> [dark.getpixel((x, 0)) for x in range(5)]
    [(18, 18, 18), (206, 214, 221), (59, 130, 196), (39, 74, 107), (112, 116, 120)]
    """
    import numpy as np
    from PIL import Image

    if not (rgba.ndim == 3 and rgba.shape[2] == 4 and rgba.dtype == np.uint8):
        raise ValueError(
            f"expected an RGBA uint8 image (height, width, 4), got "
            f"{rgba.dtype} {rgba.shape}"
        )
    # Each pixel's colour compared in one step: its four bytes read as one 32-bit
    # word, alpha masked off (np.all over the colour axis took 16 ms a figure at 2x).
    words = np.ascontiguousarray(rgba).view(np.uint32)[..., 0]
    colour_bytes = np.array([255, 255, 255, 0], np.uint8).view(np.uint32)[0]
    ink_word = np.array([*_rgb(grey), 0], np.uint8).view(np.uint32)[0]
    is_ink = (words & colour_bytes) == ink_word
    copies = {}
    for theme, colours in THEMES.items():
        inked = rgba.copy()
        inked[is_ink, :3] = _rgb(colours["ink"])
        # Pillow lays the drawing on the page colour (the "over" operator), in C.
        page = (*_rgb(colours["background"]), 255)
        flat = Image.new("RGBA", (rgba.shape[1], rgba.shape[0]), page)
        flat.alpha_composite(Image.fromarray(inked, "RGBA"))
        copies[theme] = _exact_palette(
            flat.convert("RGB").quantize(
                colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE
            ),
            [_rgb(colours["background"]), _rgb(colours["ink"])],
        )
    return copies


def _exact_palette(image: Any, colours: list[tuple[int, int, int]]) -> Any:
    """``image`` (palette mode) with the palette entry nearest each of ``colours``
    set to it exactly: the quantizer moves colours slightly, and a background of 254
    instead of 255 shows as a box on the page."""
    palette = image.getpalette()[: 3 * PALETTE_COLOURS]
    entries = [tuple(palette[i : i + 3]) for i in range(0, len(palette), 3)]
    for colour in colours:
        nearest = min(
            range(len(entries)),
            key=lambda i: sum(
                (a - b) ** 2 for a, b in zip(entries[i], colour, strict=True)
            ),
        )
        palette[3 * nearest : 3 * nearest + 3] = colour
    image.putpalette(palette)
    return image


def _figure_titles(fig: Any) -> str:
    """The figure's suptitle and Axes titles: its alt text, as sphinx-gallery's."""
    titles = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        titles.append(suptitle.get_text())
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            if ax.get_title(loc=loc):
                titles.append(ax.get_title(loc=loc))
    return ", ".join(titles)


def _image_sg(
    path: PurePosixPath, srcset: dict[float, PurePosixPath], alt: str, sources: str
) -> str:
    """sphinx-gallery's ``image-sg`` directive for one copy of a figure."""
    from sphinx_gallery.scrapers import figure_rst

    rst: str = figure_rst([path], sources, alt, srcsetpaths=[srcset])
    return rst


def _draw_rgba(fig: Any, dpi: float) -> Any:
    """``fig`` drawn at ``dpi`` with a transparent background, as an (height, width,
    4) uint8 array: Matplotlib's raw RGBA, no PNG written and read back (that took
    a quarter of the figures' time)."""
    import numpy as np

    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi, transparent=True)
    # Agg's canvas is the figure's size in inches times the dpi, truncated.
    width, height = (int(side * dpi) for side in fig.get_size_inches())
    if len(buffer.getbuffer()) != width * height * 4:
        raise ExtensionError(
            f"expected {width}x{height} RGBA pixels from Matplotlib at {dpi} dpi, got "
            f"{len(buffer.getbuffer())} bytes"
        )
    return np.frombuffer(buffer.getbuffer(), np.uint8).reshape(height, width, 4)


def scrape_figures(
    block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]
) -> str:
    """sphinx-gallery image scraper: every open figure in the light and dark theme, at
    1x and at each ``image_srcset`` factor; returns the reST of both copies."""
    import matplotlib.pyplot as plt

    from gradbook.plot import INK

    scales = [1.0, *gallery_conf["image_srcset"]]
    figures = []
    try:
        for number, path in zip(
            plt.get_fignums(), block_vars["image_path_iterator"], strict=False
        ):
            fig = plt.figure(number)
            light = PurePosixPath(path)
            if light.suffix != ".png":
                raise ExtensionError(f"expected a .png figure path, got {light}")
            dark = light.with_name(light.stem + DARK_SUFFIX + light.suffix)
            srcsets: dict[str, dict[float, PurePosixPath]] = {"light": {}, "dark": {}}
            for scale in scales:
                rgba = _draw_rgba(fig, fig.dpi * scale)
                # Laid out once: a layout engine (constrained or tight) works in
                # figure fractions, so the positions found at 1x hold at 2x, and
                # laying the figure out again would take half of its drawing time.
                fig.set_layout_engine("none")
                for theme, image in themed_copies(rgba, INK).items():
                    first = light if theme == "light" else dark
                    target = first
                    if scale != 1:  # sphinx-gallery's name for a srcset copy
                        factor = f"{scale:.2f}".replace(".", "_")
                        target = first.with_name(f"{first.stem}_{factor}x.png")
                    image.save(target, "PNG", compress_level=PNG_COMPRESS_LEVEL)
                    srcsets[theme][0 if scale == 1 else scale] = target
            # No title: the tutorial's name, as sphinx-gallery's alt text.
            alt = _figure_titles(fig) or re.sub(
                r"[-,_]", " ", light.stem[len(GALLERY_IMAGE_PREFIX) : -len("_001")]
            )
            sources = gallery_conf["src_dir"]
            figures.append(
                _image_sg(light, srcsets["light"], alt, sources)
                + _image_sg(dark, srcsets["dark"], alt, sources)
            )
    finally:
        plt.close("all")
    if len(figures) <= 1:
        return "".join(figures)
    # Several figures side by side, as sphinx-gallery lays them out: each list item
    # holds one figure's two copies.
    items = [
        "\n    *\n"
        + indent(f.replace("sphx-glr-single-img", "sphx-glr-multi-img"), " " * 6)
        for f in figures
    ]
    return "\n.. rst-class:: sphx-glr-horizontal\n\n" + "".join(items)


# -- The pass over each page's <img> tags ---------------------------------------------


class _ImgTags(HTMLParser):
    """Where each ``<img>`` start tag is in a document: (offset, its text, attrs)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for line in text.splitlines(keepends=True):
            self._line_starts.append(self._line_starts[-1] + len(line))
        self.found: list[tuple[int, str, list[tuple[str, str | None]]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            line, column = self.getpos()
            raw = self.get_starttag_text() or ""
            self.found.append((self._line_starts[line - 1] + column, raw, attrs))


# The key of ``rewrite_img_tags``'s changes that holds HTML to put after the tag.
AFTER = "+after"


def rewrite_img_tags(
    text: str,
    change: Callable[[dict[str, str | None]], Mapping[str, str] | None],
) -> str:
    """``text`` with some of its ``<img>`` tags changed.

    ``change(attrs)`` gets each tag's attributes and returns the attributes to set
    (None: leave the tag alone). A new value replaces the old one, except ``class``,
    whose names are added to the tag's; the value ``""`` for ``"img"`` removes the
    tag, and the value of ``AFTER`` is HTML put right after it. Only the changed tags
    are rewritten: character for character the rest of ``text`` is the same.

    >>> rewrite_img_tags('<p><img src="a.png" alt="A"></p>', lambda a: {"width": "5"})
    '<p><img src="a.png" alt="A" width="5"></p>'
    >>> rewrite_img_tags('<img class = "x" src="a.png"/>', lambda a: {"class": "y"})
    '<img class="x y" src="a.png" />'
    >>> rewrite_img_tags('<i>1</i><img src="a.png">', lambda a: {"img": ""})
    '<i>1</i>'
    >>> rewrite_img_tags('<img src="a.png">', lambda a: {AFTER: '<img src="b.png">'})
    '<img src="a.png"><img src="b.png">'
    """
    pieces, done = [], 0
    for offset, raw, attrs in _ImgTags(text).found:
        wanted = dict(change(dict(attrs)) or {})
        if not wanted:
            continue
        pieces.append(text[done:offset])
        done = offset + len(raw)
        if wanted.pop("img", None) == "":
            continue
        after = wanted.pop(AFTER, "")
        merged = dict(attrs)
        for name, value in wanted.items():
            if name == "class" and merged.get("class"):
                classes = (merged["class"] or "").split()
                value = " ".join(
                    classes + [c for c in value.split() if c not in classes]
                )
            merged[name] = value
        self_closing = raw.rstrip().endswith("/>")
        pieces.append(_start_tag(merged, self_closing) + after)
    return "".join([*pieces, text[done:]])


def _start_tag(attrs: Mapping[str, str | None], self_closing: bool) -> str:
    """An ``<img>`` start tag with ``attrs`` (a value of None: the name alone)."""
    parts = [
        name if value is None else f'{name}="{html.escape(value)}"'
        for name, value in attrs.items()
    ]
    return "<img " + " ".join(parts) + (" />" if self_closing else ">")


def _image_size(path: Path) -> tuple[int, int]:
    import imagesize

    width, height = imagesize.get(str(path))
    if width <= 0 or height <= 0:
        raise ExtensionError(f"cannot read the size of the image {path}")
    return int(width), int(height)


def size_and_theme_images(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Every ``<img>`` in the page's body: its 1x size, lazy loading for gallery
    images, and the theme classes (or, without the theme, no dark copy)."""
    body = context.get("body")
    if not body or "<img" not in body:
        return
    outdir = Path(app.outdir)
    page_dir = posixpath.dirname(app.builder.get_target_uri(pagename))
    # Images Sphinx copies itself (thumbnails) reach the output after the pages are
    # written: their size is read from the source file.
    copied_from = {
        name: Path(app.srcdir, source)
        for source, name in getattr(app.builder, "images", {}).items()
    }
    figures = {
        m["stem"] + ("_dark" if m["dark"] else "")
        for a in (a for _, _, a in _ImgTags(body).found)
        if (m := _FIGURE.match(posixpath.basename(dict(a).get("src") or "")))
    }
    themed = app.builder.name in THEMED_BUILDERS
    web = is_web_build(app)  # the EPUB and the PDF's page have nothing to scroll

    def change(attrs: dict[str, str | None]) -> dict[str, str]:
        src = attrs.get("src") or ""
        if not src or src.startswith(("data:", "http:", "https:", "//")):
            return {}
        name = posixpath.basename(src)
        wanted: dict[str, str] = {}
        figure = _FIGURE.match(name)
        if figure and figure["stem"] + DARK_SUFFIX in figures:
            if figure["dark"] and not themed:
                return {"img": ""}
            if themed:
                wanted["class"] = "only-dark" if figure["dark"] else "only-light"
        thumb = _THUMB.match(name)
        dark_thumb = (
            copied_from[name].with_name(dark_thumbnail_name(name))
            if thumb and not thumb["dark"] and name in copied_from
            else None
        )
        if themed and dark_thumb is not None and dark_thumb.is_file():
            wanted["class"] = "only-light"
            width, height = _image_size(dark_thumb)
            dark_attrs = {
                **attrs,
                "src": posixpath.join(posixpath.dirname(src), dark_thumb.name),
                "class": " ".join([*(attrs.get("class") or "").split(), "only-dark"]),
                "width": str(width),
                "height": str(height),
            }
            if web:
                dark_attrs["loading"] = "lazy"
            wanted[AFTER] = _start_tag(dark_attrs, self_closing=True)
        if name.startswith(GALLERY_IMAGE_PREFIX) and web:
            wanted["loading"] = "lazy"
        if "width" not in attrs or "height" not in attrs:
            in_output = outdir / posixpath.normpath(posixpath.join(page_dir, src))
            file = in_output if in_output.is_file() else copied_from.get(name)
            if file is None or not file.is_file():
                raise ExtensionError(
                    f"{pagename}: cannot find the image {src!r} to give its <img> a "
                    "width and height (expected it in the output folder or among "
                    "the images Sphinx copies)"
                )
            width, height = _image_size(file)
            wanted |= {"width": str(width), "height": str(height)}
        return wanted

    context["body"] = rewrite_img_tags(body, change)


def compress_gallery_images(app: Sphinx, exception: Exception | None) -> None:
    """Re-save every sphinx-gallery image in the output as a palette PNG.

    Deterministic (same pixels in, same bytes out), and done once: an image already
    in palette mode (the figures, as the scraper writes them) is left alone, so a
    no-change rebuild changes nothing.
    """
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image

    for path in sorted(
        Path(app.outdir, "_images").glob(GALLERY_IMAGE_PREFIX + "*.png")
    ):
        with Image.open(path) as image:
            if image.mode == "P":
                continue
            image.load()
        palette = image.convert("RGBA").quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE
        )
        palette.save(path, "PNG", compress_level=PNG_COMPRESS_LEVEL)


def make_dark_thumbnails(app: Sphinx) -> None:
    """Beside each tutorial's thumbnail, the same made from the dark copy of its
    figure (the figure sphinx-gallery took: ``sphinx_gallery_thumbnail_number``, by
    default the first), scaled by sphinx-gallery's own ``scale_image``. Runs after
    sphinx-gallery has written the thumbnails; a dark thumbnail is made again only
    when its figure or its light twin is newer. A tutorial without figures keeps
    sphinx-gallery's one thumbnail for both themes."""
    from sphinx_gallery.py_source_parser import extract_file_config
    from sphinx_gallery.utils import scale_image

    conf = app.config.sphinx_gallery_conf
    width, height = conf.get("thumbnail_size", (400, 280))
    for examples, gallery in zip(
        conf["examples_dirs"], conf["gallery_dirs"], strict=True
    ):
        images = Path(app.srcdir, gallery, "images")
        for script in sorted(Path(app.srcdir, examples).glob("*.py")):
            light = images / "thumb" / f"{GALLERY_IMAGE_PREFIX}{script.stem}_thumb.png"
            dark = light.with_name(dark_thumbnail_name(light.name))
            number = extract_file_config(script.read_text(encoding="utf-8")).get(
                "thumbnail_number", 1
            )
            figure = images / (
                f"{GALLERY_IMAGE_PREFIX}{script.stem}_{number:03d}{DARK_SUFFIX}.png"
                if isinstance(number, int) and number > 0
                else "(no figure)"
            )
            if not (light.is_file() and figure.is_file()):
                dark.unlink(missing_ok=True)
                continue
            newest = max(light.stat().st_mtime_ns, figure.stat().st_mtime_ns)
            if dark.is_file() and dark.stat().st_mtime_ns >= newest:
                continue
            scale_image(figure, dark, width, height)


def copy_dark_thumbnails(app: Sphinx, exception: Exception | None) -> None:
    """Into the output's images, each dark thumbnail whose light twin Sphinx copied
    there (Sphinx copies only the images the pages name; the dark ones are named by
    ``size_and_theme_images`` in the written HTML)."""
    if exception is not None or app.builder.name not in THEMED_BUILDERS:
        return
    import shutil

    imagedir = Path(app.outdir, app.builder.imagedir)
    for source, name in getattr(app.builder, "images", {}).items():
        thumb = _THUMB.match(name)
        if not thumb or thumb["dark"]:
            continue
        dark = Path(app.srcdir, source).with_name(dark_thumbnail_name(name))
        target = imagedir / dark.name
        if dark.is_file() and (
            not target.is_file() or target.stat().st_mtime_ns < dark.stat().st_mtime_ns
        ):
            shutil.copyfile(dark, target)


# The theme writes data-theme="auto" in the page's head and resolves it to "light" or
# "dark" only in its deferred script, after the first paint: until then neither
# only-light nor only-dark is hidden (both copies of a figure on the first screen are
# fetched, then one disappears) and the theme's colour variables are unset (bordered
# boxes gain their border late): the page moves. This runs in the head, before the
# body is parsed, and resolves it as the theme's script will (its own mode first,
# then the system's scheme).
RESOLVE_THEME_EARLY = """(() => {
  const data = document.documentElement.dataset;
  const mode = data.mode || "auto";
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  data.theme = mode === "auto" ? (dark ? "dark" : "light") : mode;
})();"""


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_js_file(None, body=RESOLVE_THEME_EARLY, priority=100)
    # After sphinx-gallery has run the tutorials and written their thumbnails.
    app.connect("builder-inited", make_dark_thumbnails, priority=900)
    app.connect("html-page-context", size_and_theme_images)
    app.connect("build-finished", copy_dark_thumbnails, priority=400)
    app.connect("build-finished", compress_gallery_images)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
