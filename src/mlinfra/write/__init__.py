"""``{path: text}`` → disk, all or nothing; or a comparison with what is on disk (``render --check``).

The output folder is also where people run ``terraform init`` and keep files of their own: its
``.terraform/`` folder, lock file, local state and plan files, a ``*_override.tf`` (Terraform's convention
for local overrides) or a hand-written ``extra.tf``. mlinfra owns exactly the files it wrote, listed in the
folder's record (:data:`RECORD`): a render replaces and removes those, and refuses, before writing anything,
to overwrite a file that is not in it. The user's files are never moved, so no crash can strand them in a
temp folder. An error undoes what was swapped; a kill between two moves can leave a mix of old and new
files of ours (never a missing user file), which the next render replaces: the record is widened to both
before the first move. Files are written 0644 and folders 0755 whatever the umask, so the Lambda package
zipped from them hashes the same everywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path, PurePosixPath

from ..errors import OutputError
from ..records import record

#: The record of what mlinfra wrote into an output folder: one path per line, relative to the folder. It is
#: part of the rendered tree (commit it with the rest): without it the next render could not tell the
#: files it wrote from the user's.
RECORD = ".mlinfra-files"
_RECORD_HEADER = (
    "# The files mlinfra render wrote into this folder: the next render replaces or removes only these.\n"
    "# Generated; keep it with the rendered files. Files not listed here are yours and are never touched.\n"
)
#: The first line of a README an earlier mlinfra (which kept no record) rendered: such a folder's
#: ``modules/`` and the files a render writes again are adopted as mlinfra's.
_LEGACY_README = "Terraform rendered by mlinfra"


@record
class Drift:
    added: tuple[str, ...]  # would be written, missing on disk
    removed: tuple[str, ...]  # written by an earlier render, no longer rendered
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


#: Modes of everything written, whatever the umask: the Lambda package is zipped from these files, and its
#: hash (hence whether Terraform updates the function) must not depend on the machine that rendered it.
FILE_MODE = 0o644
DIR_MODE = 0o755

Rename = Callable[[Path, Path], None]


def write_tree(files: Mapping[PurePosixPath, str], out: str | Path, *, rename: Rename = os.replace) -> None:
    """Replace the files of ``out`` that mlinfra wrote with ``files``; nothing else in ``out`` is moved.

    Everything is written into a sibling temp folder first (a failure there leaves ``out`` untouched), after
    checking that no file of the user's is in the way. Then the record is widened to the old and the new
    files, and each file is swapped in place: the old one moves to a sibling trash folder, the new one moves
    in; last, the record of the new files. An error during the swap moves back what was already moved.
    ``rename`` is the seam the tests break.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    wanted = sorted(rel.as_posix() for rel in files)
    owned = owned_files(out, wanted)
    _refuse_foreign(out, wanted, owned)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot create the output folder: {exc.strerror}") from None
    try:
        for rel, text in [*files.items(), (PurePosixPath(RECORD), _record_text(wanted))]:
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

    trash = tmp.with_suffix(".old")
    done: list[tuple[Path, Path]] = []
    made: list[Path] = []
    # Stale files (ours, no longer rendered) go first, deepest first, so that a folder of ours that became a
    # file (or the reverse) is out of the way before its replacement moves in.
    stale = sorted((owned - set(wanted)) & _on_disk(out, owned), key=lambda n: (-n.count("/"), n))
    record, backup = out / RECORD, trash / RECORD
    try:
        trash.mkdir()
        if record.exists():
            shutil.copyfile(record, backup)  # a copy: a crash must never leave the folder without a record
        # The record names the old files and the new ones before the first of them moves: whatever a kill
        # leaves behind is ours for the next render to replace.
        _replace_record(tmp.with_suffix(".record"), record, sorted(owned | set(wanted)), rename)
        for name in [*stale, *wanted]:
            src, dst = tmp / name, out / name
            if os.path.lexists(dst):
                parked = trash / str(len(done))  # flat: the trash needs no folders
                rename(dst, parked)
                done.append((dst, parked))
            if name in stale:
                continue
            made.extend(_mkdirs(out, dst.parent))
            rename(src, dst)
            done.append((src, dst))
        rename(tmp / RECORD, record)
    except OSError as exc:
        for src, dst in reversed(done):
            with contextlib.suppress(OSError):
                rename(dst, src)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        with contextlib.suppress(OSError):
            if backup.exists():
                os.replace(backup, record)
            else:
                record.unlink(missing_ok=True)
        tmp.with_suffix(".record").unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
        raise OutputError(f"{out}: cannot replace: {exc.strerror}") from None
    _prune(out, stale)
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(trash, ignore_errors=True)


def _replace_record(staged: Path, record: Path, names: list[str], rename: Rename) -> None:
    staged.write_text(_record_text(names), encoding="utf-8")
    os.chmod(staged, FILE_MODE)
    rename(staged, record)  # one atomic replace: there is a record at every instant


def owned_files(out: Path, wanted: Collection[str] = ()) -> set[str]:
    """The files of ``out`` that mlinfra wrote: its record's; in a folder rendered before the record
    existed, its ``modules/`` and README plus the root ``*.tf`` files a render writes again."""
    record = out / RECORD
    try:
        text = record.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return _legacy(out, wanted)
    except OSError as exc:
        raise OutputError(f"{record}: cannot read the record of mlinfra's files: {exc.strerror}") from None
    return {name for name in (line.strip() for line in text.splitlines()) if _safe(name)}


def _safe(name: str) -> bool:
    # The record is a file in the user's folder: a line that is not a plain relative path inside it
    # (absolute, "..", empty parts) is ignored rather than followed.
    if not name or name.startswith("#") or name == RECORD or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return all(p not in ("", ".", "..") for p in parts)


def _legacy(out: Path, wanted: Collection[str]) -> set[str]:
    try:
        with open(out / "README.md", encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return set()
    if _LEGACY_README not in first:
        return set()
    owned = {"README.md"} | {n for n in wanted if "/" not in n and n.endswith(".tf")}
    modules = out / "modules"
    if modules.is_dir() and not modules.is_symlink():
        owned |= {p.relative_to(out).as_posix() for p in modules.rglob("*") if p.is_file() or p.is_symlink()}
    return owned


def _refuse_foreign(out: Path, wanted: Iterable[str], owned: set[str]) -> None:
    foreign = []
    for name in wanted:
        parts = name.split("/")
        # The file itself, or a parent folder of it that is a file (or link) of the user's.
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            path = out / prefix
            last = depth == len(parts)
            if prefix in owned:
                continue
            if (last and os.path.lexists(path)) or (not last and (path.is_symlink() or path.is_file())):
                foreign.append(prefix)
                break
    if foreign:
        shown = ", ".join(sorted(set(foreign))[:5]) + (" ..." if len(set(foreign)) > 5 else "")
        raise OutputError(
            f"{out}: render would overwrite {shown}, not written by mlinfra (not in {RECORD}): move it out of the "
            "folder (local changes to the rendered Terraform go in a *_override.tf file, which render keeps), "
            "then render again. Nothing was written"
        )


def _on_disk(out: Path, names: Iterable[str]) -> set[str]:
    return {n for n in names if os.path.lexists(out / n) and not (out / n).is_dir()}


def _record_text(names: Iterable[str]) -> str:
    return _RECORD_HEADER + "".join(f"{n}\n" for n in names)


def _prune(out: Path, removed: Iterable[str]) -> None:
    """Remove the folders the removed files leave empty (a user's file in one keeps it)."""
    folders = {PurePosixPath(n).parent for n in removed} - {PurePosixPath(".")}
    for folder in sorted(folders | {p for f in folders for p in f.parents}, key=lambda f: -len(f.parts)):
        if folder == PurePosixPath("."):
            continue
        with contextlib.suppress(OSError):
            (out / folder).rmdir()  # only when empty


def _mkdirs(root: Path, folder: Path) -> list[Path]:
    """``folder`` and its parents below ``root``, each with DIR_MODE whatever the umask: those it made."""
    missing = []
    while folder != root and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    made = []
    for d in reversed(missing):
        d.mkdir()
        os.chmod(d, DIR_MODE)
        made.append(d)
    return made


def diff_tree(files: Mapping[PurePosixPath, str], out: str | Path) -> Drift:
    """How the files of ``out`` that mlinfra wrote differ from ``files`` (nothing is written)."""
    out = Path(out)
    wanted = {rel.as_posix(): text for rel, text in files.items()}
    on_disk = _on_disk(out, owned_files(out, wanted) | set(wanted)) if out.is_dir() else set()
    changed = []
    for name in sorted(set(wanted) & on_disk):
        try:
            current = (out / name).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            current = None
        if current != wanted[name]:
            changed.append(name)
    return Drift(
        added=tuple(sorted(set(wanted) - on_disk)),
        removed=tuple(sorted(on_disk - set(wanted))),
        changed=tuple(changed),
    )
