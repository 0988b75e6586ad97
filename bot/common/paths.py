"""Where kiun finds its bundled ``content/``, ``prompts/`` and ``migrations/`` from any working directory.

In a wheel they are inside the package (``bot/_bundled/``); in a source checkout they are beside it.
``KIUN_CONTENT_DIR`` / ``KIUN_PROMPTS_DIR`` let a city keep its own content elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def bundled(name: str) -> Path:
    """The bundled folder ``name`` (content, prompts, migrations)."""
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def content_dir() -> Path:
    return Path(os.environ.get("KIUN_CONTENT_DIR") or bundled("content"))


def prompts_dir() -> Path:
    return Path(os.environ.get("KIUN_PROMPTS_DIR") or bundled("prompts"))
