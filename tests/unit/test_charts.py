"""Charts render Japanese text with a real font (IPAex Gothic from japanize-matplotlib), never tofu boxes."""

from __future__ import annotations

import io
import struct
import warnings

import pytest
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from bot.common import charts

TITLE = "千曲市の将来推計人口（2020年＝100）・生産年齢人口は約24%減"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_glyph_of_a_japanese_title_resolves_to_the_japanese_font() -> None:
    figure = charts.build_figure(TITLE, "指数", "千曲市の報道記事 (2024)")
    [title] = [text for text in figure.findobj(Text) if text.get_text() == TITLE]
    used = charts.resolved_font(title.get_fontproperties())
    assert used == charts.font_path() and used.name == "ipaexg.ttf"  # not DejaVu Sans
    charmap = FT2Font(str(used)).get_charmap()
    missing = [char for char in TITLE if not char.isspace() and ord(char) not in charmap]
    assert missing == []
    assert charts.missing_glyphs(TITLE, title.get_fontproperties()) == []
    for text in figure.findobj(Text):  # the y label and the source line too
        assert charts.missing_glyphs(text.get_text(), text.get_fontproperties()) == [], text.get_text()


def test_rendering_warns_about_no_missing_glyph() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for tofu
        data = charts.line_chart(
            TITLE, ["2020", "2025", "2030", "2035"], {"総人口": [100, 94.3, 88.7, 83]}, "指数", "報道記事", "例示値"
        )
        bar = charts.bar_chart("地方公務員の数", ["1994年", "2023年"], [328, 280], "万人", "総務省")
    assert png_size(data) == (int(charts.WIDTH * charts.DPI), int(charts.HEIGHT * charts.DPI))
    assert png_size(bar)[0] > 0


def test_a_character_the_font_lacks_is_reported() -> None:
    """The glyph check can fail: an emoji is not in IPAex Gothic."""
    assert charts.missing_glyphs("人口😀") == ["😀"]


def test_series_must_match_the_labels() -> None:
    with pytest.raises(ValueError, match="3 values for 2 labels"):
        charts.line_chart("題", ["a", "b"], {"s": [1, 2, 3]})
    with pytest.raises(ValueError):
        charts.bar_chart("題", ["a"], [1, 2])


def test_png_bytes_open_as_an_image() -> None:
    from PIL import Image

    data = charts.bar_chart("研修の参加者", ["第1回", "第2回"], [42, 38], "人")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode in ("RGBA", "RGB")
