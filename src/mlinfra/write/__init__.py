"""``{path: text}`` → disk, all or nothing; or a comparison with what is on disk (``render --check``).

The output folder is also where people run ``terraform init``: its ``.terraform/`` folder, lock file,
local state and plan files are theirs, not ours. mlinfra owns exactly the root ``*.tf`` files, the root
``README.md`` and ``modules/``; everything else in the folder is never moved, so no crash can strand it in a
temp folder. An error undoes what was swapped; a kill between two moves can leave a mix of old and new
managed entries (never a missing user file), which the next render replaces. Files are written 0644 and
folders 0755 whatever the umask, so the Lambda package zipped from them hashes the same everywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
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


#: Modes of everything written, whatever the umask: the Lambda package is zipped from these files, and its
#: hash (hence whether Terraform updates the function) must not depend on the machine that rendered it.
FILE_MODE = 0o644
DIR_MODE = 0o755

Rename = Callable[[Path, Path], None]


def write_tree(files: Mapping[PurePosixPath, str], out: str | Path, *, rename: Rename = os.replace) -> None:
    """Replace the managed part of ``out`` with ``files``; the rest of ``out`` is never moved.

    Everything is written into a sibling temp folder first (a failure there leaves ``out`` untouched).
    Then each managed top-level entry is swapped in place: the old one moves to a sibling trash folder, the
    new one moves in. The user's ``.terraform/``, lock file and state stay where they are throughout, so a
    crash between two moves can lose nothing of theirs (the next render completes the swap). An error
    during the swap moves back what was already moved. ``rename`` is the seam the tests break.
    """
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
            _mkdirs(tmp, target.parent)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.chmod(target, FILE_MODE)
        os.chmod(tmp, DIR_MODE)  # mkdtemp makes it private
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write: {exc.strerror}") from None

    if not out.exists():
        try:
            rename(tmp, out)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(f"{out}: cannot write: {exc.strerror}") from None
        return

    new = sorted(entry.name for entry in tmp.iterdir())
    old = sorted(entry.name for entry in out.iterdir() if is_managed(entry.name))
    trash = tmp.with_suffix(".old")
    done: list[tuple[Path, Path]] = []
    try:
        trash.mkdir()
        for name in sorted(set(new) | set(old)):
            if name in old:
                rename(out / name, trash / name)
                done.append((out / name, trash / name))
            if name in new:
                rename(tmp / name, out / name)
                done.append((tmp / name, out / name))
    except OSError as exc:
        for src, dst in reversed(done):
            with contextlib.suppress(OSError):
                rename(dst, src)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
        raise OutputError(f"{out}: cannot replace: {exc.strerror}") from None
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(trash, ignore_errors=True)


def _mkdirs(root: Path, folder: Path) -> None:
    """``folder`` and its parents below ``root``, each with DIR_MODE whatever the umask."""
    missing = []
    while folder != root and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir()
        os.chmod(d, DIR_MODE)


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
