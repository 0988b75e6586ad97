"""PNG charts with Japanese text that really renders (matplotlib, Agg backend, no display needed).

The Japanese font is IPAex Gothic, shipped inside the ``japanize-matplotlib`` wheel; we register the font
file directly (without importing that package, which needs ``distutils``) so a fresh ``pip install`` is
enough. :func:`missing_glyphs` tells which characters of a text the resolved font cannot draw, so tests can
prove there are no "tofu" boxes.

Generic on purpose: lessons' facts, poll results and reports all draw through :func:`line_chart` and
:func:`bar_chart`.
"""

from __future__ import annotations

import importlib.util
import io
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

FONT_FILE = "ipaexg.ttf"
WIDTH, HEIGHT, DPI = 8.0, 4.5, 120
COLOURS = ("#1f5fa8", "#d9822b", "#3a9d5d", "#b8433e", "#7a5aa6", "#5f6b7a")

# matplotlib's font cache and text layout are not thread-safe; charts are rare, so one at a time.
_LOCK = threading.Lock()


class ChartFontMissing(RuntimeError):
    """The Japanese font is not installed (``pip install japanize-matplotlib``)."""


@cache
def font_path() -> Path:
    """The IPAex Gothic file shipped in the japanize-matplotlib wheel."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "fonts" / FONT_FILE
        if candidate.is_file():
            return candidate
    raise ChartFontMissing("Japanese chart font not found: install japanize-matplotlib (ships IPAex Gothic)")


@cache
def font_family() -> str:
    """Register the Japanese font with matplotlib once; its family name."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return FT2Font(str(path)).family_name


def font_properties(size: float | None = None) -> FontProperties:
    return FontProperties(family=font_family(), size=size)


def resolved_font(properties: FontProperties) -> Path:
    """The file matplotlib actually uses for ``properties`` (no silent fallback to DejaVu)."""
    return Path(font_manager.findfont(properties, fallback_to_default=False))


def missing_glyphs(text: str, properties: FontProperties | None = None) -> list[str]:
    """Characters of ``text`` that the font resolved for ``properties`` has no glyph for (whitespace ignored)."""
    font = FT2Font(str(resolved_font(properties or font_properties())))
    charmap = font.get_charmap()
    return sorted({char for char in text if not char.isspace() and ord(char) not in charmap})


def line_chart(
    title: str,
    x_labels: list[str],
    series: Mapping[str, Sequence[float]],
    y_label: str = "",
    source: str = "",
    note: str = "",
) -> bytes:
    """A line chart, one line per series (each as long as ``x_labels``); PNG bytes."""
    for name, values in series.items():
        if len(values) != len(x_labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x_labels)} labels")

    def draw(figure: Figure) -> None:
        axes = figure.axes[0]
        positions = list(range(len(x_labels)))
        axes.set_xticks(positions, x_labels)
        for index, (name, values) in enumerate(series.items()):
            colour = COLOURS[index % len(COLOURS)]
            axes.plot(positions, values, marker="o", color=colour, label=name, linewidth=2)
            axes.annotate(
                _number(values[-1]),
                (len(values) - 1, values[-1]),
                textcoords="offset points",
                xytext=(4, 6),
                fontproperties=font_properties(9),
                color=colour,
            )
        if len(series) > 1:
            axes.legend(prop=font_properties(9), frameon=False)

    return _render(title, y_label, source, note, draw)


def bar_chart(
    title: str,
    labels: list[str],
    values: Sequence[float],
    y_label: str = "",
    source: str = "",
    note: str = "",
    horizontal: bool = False,
) -> bytes:
    """A bar chart with the value written on each bar; PNG bytes."""
    if len(labels) != len(values):
        raise ValueError(f"{len(values)} values for {len(labels)} labels")

    def draw(figure: Figure) -> None:
        axes = figure.axes[0]
        positions = list(range(len(labels)))
        bars = (axes.barh if horizontal else axes.bar)(positions, values, color=COLOURS[0])
        (axes.set_yticks if horizontal else axes.set_xticks)(positions, labels)
        axes.bar_label(bars, labels=[_number(v) for v in values], padding=3, fontproperties=font_properties(9))
        if horizontal:
            axes.invert_yaxis()

    return _render(title, y_label, source, note, draw)


DIVERGING = ("#b8433e", "#e8a09a", "#d0d0d0", "#8fb3dd", "#1f5fa8")  # disagree … agree (poll answers)


def stacked_bar_chart(
    title: str,
    labels: list[str],
    segments: Mapping[str, Sequence[float]],
    colours: tuple[str, ...] = DIVERGING,
    source: str = "",
    note: str = "",
) -> bytes:
    """Horizontal 100% stacked bars, one per label (e.g. answers to each question); each segment is a list of
    shares in percent, as long as ``labels``. Shares of 8% or more are written on the bar. PNG bytes."""
    for name, values in segments.items():
        if len(values) != len(labels):
            raise ValueError(f"segment {name!r} has {len(values)} values for {len(labels)} labels")

    def draw(figure: Figure) -> None:
        axes = figure.axes[0]
        left = [0.0] * len(labels)
        for index, (name, values) in enumerate(segments.items()):
            bars = axes.barh(labels, values, left=left, color=colours[index % len(colours)], label=name)
            texts = [f"{v:.0f}%" if v >= 8 else "" for v in values]
            axes.bar_label(bars, labels=texts, label_type="center", fontproperties=font_properties(8))
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_xlim(0, 100)
        axes.invert_yaxis()
        axes.grid(False)
        axes.legend(
            prop=font_properties(8), frameon=False, ncols=len(segments), loc="upper center", bbox_to_anchor=(0.5, -0.08)
        )

    return _render(title, "", source, note, draw)


def _render(title: str, y_label: str, source: str, note: str, draw) -> bytes:
    with _LOCK:
        figure = build_figure(title, y_label, source, note)
        draw(figure)
        _style_ticks(figure)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()


def build_figure(title: str, y_label: str = "", source: str = "", note: str = "") -> Figure:
    """A figure with one axes, the title, the y label and the source/note lines at the bottom."""
    figure = Figure(figsize=(WIDTH, HEIGHT), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, fontproperties=font_properties(14), loc="left")
    if y_label:
        axes.set_ylabel(y_label, fontproperties=font_properties(10))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    footer = "\n".join(line for line in (note, f"出典: {source}" if source else "") if line)
    if footer:
        layout = figure.get_layout_engine()
        assert isinstance(layout, ConstrainedLayoutEngine)  # the figure is made with layout="constrained"
        layout.set(h_pad=0.1)
        axes.set_xlabel(footer, fontproperties=font_properties(8), loc="left", color="#555555", labelpad=10)
    return figure


def _style_ticks(figure: Figure) -> None:
    for axes in figure.axes:
        for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
            label.set_fontproperties(font_properties(9))


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
