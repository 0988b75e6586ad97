"""The Teams app's two icons, drawn with Pillow: the glyph 機 in IPAex Gothic (the charts' font).

Teams wants a full-colour 192×192 PNG and a 32×32 outline PNG that is white on a transparent background.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bot.common.charts import font_path

GLYPH = "機"
ACCENT = "#1F5FA8"  # the charts' first colour; also the manifest's accentColor
COLOR_SIZE, OUTLINE_SIZE = 192, 32
WHITE = (255, 255, 255)


def _glyph_mask(size: int, glyph_size: int) -> Image.Image:
    """An ``L`` image of ``size``² with the glyph centred, 255 where it is ink (anti-aliased edges in between)."""
    font = ImageFont.truetype(str(font_path()), glyph_size)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).text((size / 2, size / 2), GLYPH, font=font, fill=255, anchor="mm")
    return mask


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def color_icon() -> bytes:
    """192×192: a white 機 on the accent colour, inside Teams' safe area (the glyph about 60% of the side)."""
    image = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    image.paste(WHITE, (0, 0), _glyph_mask(COLOR_SIZE, 116))
    return _png(image)


def outline_icon() -> bytes:
    """32×32: a white 機 on transparency — every pixel pure white, only its alpha varies."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    image.putalpha(_glyph_mask(OUTLINE_SIZE, 26))
    return _png(image)
