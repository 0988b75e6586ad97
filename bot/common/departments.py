"""The city's departments (``content/departments.yml``), which the DX office edits.

Ideas and champions refer to a department by its ``id``, which stays stable when a department is renamed. The
file is read again when it changes (checked by modification time), so edits need no restart.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.common.paths import content_dir

FILENAME = "departments.yml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_cache: dict[Path, tuple[float, tuple[Department, ...]]] = {}
_lock = threading.Lock()


class DepartmentsError(ValueError):
    """``departments.yml`` is missing or wrong; the message names the file and the problem."""


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    kana: str = ""


def departments_path() -> Path:
    return content_dir() / FILENAME


def load_departments(path: Path | None = None) -> tuple[Department, ...]:
    """Every department in file order; raises :class:`DepartmentsError` with what to fix."""
    path = path or departments_path()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise DepartmentsError(f"{path}: cannot read the department list ({exc.strerror})") from None
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    departments = parse_departments(path.read_text(encoding="utf-8"), str(path))
    with _lock:
        _cache[path] = (mtime, departments)
    return departments


def parse_departments(text: str, source: str = FILENAME) -> tuple[Department, ...]:
    """Departments from the YAML text of ``departments.yml`` (``source`` names it in errors)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DepartmentsError(f"{source}: not valid YAML ({exc})") from None
    items = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise DepartmentsError(f"{source}: needs a non-empty list under 'departments:'")
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    result = []
    for number, item in enumerate(items, 1):
        where = f"{source}: department {number}"
        if not isinstance(item, dict):
            raise DepartmentsError(f"{where}: must have 'id' and 'name'")
        dep_id, name = str(item.get("id") or ""), str(item.get("name") or "").strip()
        if not _ID.match(dep_id):
            raise DepartmentsError(f"{where}: id {dep_id!r} must be 1-32 lower-case letters, digits, - or _")
        if not name or len(name) > 40:
            raise DepartmentsError(f"{where}: name must be 1-40 characters")
        if dep_id in seen_ids or name in seen_names:
            raise DepartmentsError(f"{where}: id {dep_id!r} or name {name!r} appears twice")
        seen_ids.add(dep_id)
        seen_names.add(name)
        result.append(Department(dep_id, name, str(item.get("kana") or "").strip()))
    return tuple(result)


def find_department(text: str, departments: tuple[Department, ...] | None = None) -> Department | None:
    """The department whose id, name or reading is ``text`` (full-width/half-width and spaces ignored)."""
    wanted = _fold(text)
    for department in departments if departments is not None else load_departments():
        if wanted in (department.id, _fold(department.name), _fold(department.kana)):
            return department
    return None


def department_name(dep_id: str | None, departments: tuple[Department, ...] | None = None) -> str:
    """The name to show for ``dep_id`` (the id itself if it was removed from the list, "" for none)."""
    if not dep_id:
        return ""
    for department in departments if departments is not None else load_departments():
        if department.id == dep_id:
            return department.name
    return dep_id


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
