"""``{path: text}`` → disk, atomically; or a comparison with what is on disk (``render --check``).

The output folder is also where people run ``terraform init``: its ``.terraform/`` folder, lock file,
local state and plan files are theirs, not ours. mlinfra owns exactly the root ``*.tf`` files, the root
``README.md`` and ``modules/``; everything else in the folder is carried over untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import OutputError


def is_managed(top_level_name: str) -> bool:
    """Whether a top-level entry of the output folder is written (and removed) by mlinfra."""
    return top_level_name == "modules" or top_level_name == "README.md" or top_level_name.endswith(".tf")


@dataclass(frozen=True)
class Drift:
    added: tuple[str, ...]  # would be written, missing on disk
    removed: tuple[str, ...]  # on disk, no longer rendered
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def write_tree(files: Mapping[PurePosixPath, str], out: str | Path) -> None:
    """Replace the managed part of ``out`` with ``files``, all at once or not at all."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot create the output folder: {exc.strerror}") from None
    try:
        for rel, text in files.items():
            target = tmp.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        tmp.chmod(0o755)  # mkdtemp makes it private
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write: {exc.strerror}") from None

    if not out.exists():
        os.rename(tmp, out)
        return
    carried = [entry.name for entry in out.iterdir() if not is_managed(entry.name)]
    old = tmp.with_suffix(".old")
    try:
        os.rename(out, old)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot replace: {exc.strerror}") from None
    try:
        os.rename(tmp, out)
    except OSError as exc:
        os.rename(old, out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot replace: {exc.strerror}") from None
    for name in carried:
        os.rename(old / name, out / name)
    shutil.rmtree(old, ignore_errors=True)


def diff_tree(files: Mapping[PurePosixPath, str], out: str | Path) -> Drift:
    """How the managed part of ``out`` differs from ``files`` (nothing is written)."""
    out = Path(out)
    on_disk: dict[str, Path] = {}
    if out.is_dir():
        for path in sorted(out.rglob("*")):
            rel = path.relative_to(out)
            if path.is_file() and is_managed(rel.parts[0]):
                on_disk[rel.as_posix()] = path
    wanted = {rel.as_posix(): text for rel, text in files.items()}
    changed = []
    for name in sorted(set(wanted) & set(on_disk)):
        try:
            current = on_disk[name].read_bytes().decode("utf-8", errors="replace")
        except OSError:
            current = None
        if current != wanted[name]:
            changed.append(name)
    return Drift(
        added=tuple(sorted(set(wanted) - set(on_disk))),
        removed=tuple(sorted(set(on_disk) - set(wanted))),
        changed=tuple(changed),
    )
