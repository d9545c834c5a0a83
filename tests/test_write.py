"""The atomic writer: all or nothing, and the user's terraform files survive a re-render."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

import pytest

from mlinfra.errors import OutputError
from mlinfra.write import RECORD, diff_tree, owned_files, write_tree

FILES = {
    PurePosixPath("main.tf"): "# main\n",
    PurePosixPath("README.md"): "# readme\n",
    PurePosixPath("modules/a/main.tf"): "# a\n",
}
PURE_MAIN = PurePosixPath("main.tf")


def snapshot(root: Path, record: bool = False) -> dict[str, str]:
    files = {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
    return files if record else {k: v for k, v in files.items() if k != RECORD}


def test_writes_a_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(FILES, out)
    assert snapshot(out) == {"README.md": "# readme\n", "main.tf": "# main\n", "modules/a/main.tf": "# a\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp folders left


def test_rerender_replaces_ours_and_keeps_terraforms(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree({**FILES, PurePosixPath("backend.tf"): "# old backend\n", PurePosixPath("modules/gone/main.tf"): "x\n"}, out)
    # What `terraform init/apply` leaves behind belongs to the user.
    (out / ".terraform" / "providers").mkdir(parents=True)
    (out / ".terraform" / "providers" / "p").write_text("binary")
    (out / ".terraform.lock.hcl").write_text("lock")
    (out / "terraform.tfstate").write_text("{state}")
    (out / "plan.tfplan").write_text("plan")
    write_tree({**FILES, PurePosixPath("main.tf"): "# new main\n"}, out)
    got = snapshot(out)
    assert got["main.tf"] == "# new main\n"
    assert "backend.tf" not in got and "modules/gone/main.tf" not in got  # stale output is removed
    assert got["terraform.tfstate"] == "{state}" and got[".terraform.lock.hcl"] == "lock"
    assert got[".terraform/providers/p"] == "binary" and got["plan.tfplan"] == "plan"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failed_write_leaves_out_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(FILES, out)
    before = snapshot(out)
    # "modules/a/main.tf" cannot be both a file and a folder: the write fails half-way.
    broken = {**FILES, PurePosixPath("modules/a/main.tf/x.tf"): "x\n"}
    with pytest.raises(OutputError):
        write_tree(broken, out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_out_that_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(OutputError, match="not a directory"):
        write_tree(FILES, out)
    assert out.read_text() == "not a folder"


def test_diff_tree(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert diff_tree(FILES, out).added == ("README.md", "main.tf", "modules/a/main.tf")
    write_tree(FILES, out)
    assert not diff_tree(FILES, out)
    (out / "terraform.tfstate").write_text("{}")  # not ours: no drift
    assert not diff_tree(FILES, out)
    (out / "main.tf").write_text("# edited by hand\n")
    (out / "modules" / "extra").mkdir()
    (out / "modules" / "extra" / "main.tf").write_text("")  # the user's: not drift either
    drift = diff_tree(FILES, out)
    assert drift.changed == ("main.tf",) and not drift.removed and not drift.added
    fewer = {k: v for k, v in FILES.items() if k != PurePosixPath("modules/a/main.tf")}
    assert diff_tree(fewer, out).removed == ("modules/a/main.tf",)  # ours, no longer rendered


# --- a crash between two moves, file modes --------------------------------------------------------------


class Crash(BaseException):
    """A kill between two renames: no except clause of the writer runs."""


def _user_files(out: Path) -> None:
    (out / ".terraform" / "providers").mkdir(parents=True)
    (out / ".terraform" / "providers" / "p").write_text("binary")
    (out / ".terraform.lock.hcl").write_text("lock")
    (out / "terraform.tfstate").write_text("{state}")


def _assert_user_files(out: Path) -> None:
    assert (out / ".terraform" / "providers" / "p").read_text() == "binary"
    assert (out / ".terraform.lock.hcl").read_text() == "lock"
    assert (out / "terraform.tfstate").read_text() == "{state}"


def _failing_at(k: int, exc: BaseException):
    calls = []

    def rename(src: Path, dst: Path) -> None:
        calls.append((src, dst))
        if len(calls) == k:
            raise exc
        os.replace(src, dst)

    return rename, calls


NEW = {**FILES, PURE_MAIN: "# new main\n", PurePosixPath("modules/b/main.tf"): "# b\n"}


def test_a_crash_at_any_move_never_strands_the_users_files(tmp_path: Path) -> None:
    k = 1
    while True:
        out = tmp_path / f"case{k}" / "out"
        write_tree({**FILES, PurePosixPath("old.tf"): "# stale\n"}, out)
        _user_files(out)
        rename, _calls = _failing_at(k, Crash())
        try:
            write_tree(NEW, out, rename=rename)
        except Crash:
            pass
        else:
            break  # k is past the last move: every crash point was tried
        _assert_user_files(out)
        # The next render completes the job and cleans up after itself.
        write_tree(NEW, out)
        _assert_user_files(out)
        assert snapshot(out)["main.tf"] == "# new main\n" and "old.tf" not in snapshot(out)
        k += 1
    assert k > 3  # the swap has several moves; each was interrupted once


def test_an_error_at_any_move_restores_the_previous_tree(tmp_path: Path) -> None:
    for k in range(1, 20):
        out = tmp_path / f"case{k}" / "out"
        write_tree(FILES, out)
        _user_files(out)
        before = snapshot(out)
        rename, _calls = _failing_at(k, OSError(13, "Permission denied"))
        try:
            write_tree(NEW, out, rename=rename)
        except OutputError:
            assert snapshot(out) == before
            assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
        else:
            assert snapshot(out)["main.tf"] == "# new main\n"
            break
    assert k > 3


@pytest.mark.parametrize("umask", [0o077, 0o002, 0o022, 0o027])
def test_modes_do_not_depend_on_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "out"
    old = os.umask(umask)
    try:
        write_tree({**FILES, PurePosixPath("modules/a/pkg/deep/x.py"): "x = 1\n"}, out)
    finally:
        os.umask(old)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")]}
    assert modes == {
        ".": 0o755,
        RECORD: 0o644,
        "README.md": 0o644,
        "main.tf": 0o644,
        "modules": 0o755,
        "modules/a": 0o755,
        "modules/a/main.tf": 0o644,
        "modules/a/pkg": 0o755,
        "modules/a/pkg/deep": 0o755,
        "modules/a/pkg/deep/x.py": 0o644,
    }


# --- what is ours: the record --------------------------------------------------------------------------


def test_the_record_lists_what_was_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(FILES, out)
    lines = [line for line in (out / RECORD).read_text().splitlines() if not line.startswith("#")]
    assert lines == ["README.md", "main.tf", "modules/a/main.tf"]
    assert owned_files(out) == set(lines)


def test_the_users_files_survive_a_render(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree({**FILES, PurePosixPath("modules/gone/main.tf"): "x\n"}, out)
    mine = {
        "main_override.tf": "# Terraform merges this over main.tf\n",
        "extra.tf": "# hand-written\n",
        "modules/mine/main.tf": "# my module\n",
        "modules/a/notes.md": "# mine, beside a rendered file\n",
    }
    for name, text in mine.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    write_tree({**FILES, PURE_MAIN: "# new main\n"}, out)
    got = snapshot(out)
    assert {k: got[k] for k in mine} == mine
    assert got["main.tf"] == "# new main\n" and "modules/gone/main.tf" not in got
    assert not (out / "modules" / "gone").exists()  # the folder it emptied goes too
    assert not diff_tree({**FILES, PURE_MAIN: "# new main\n"}, out)  # theirs is not drift
    # Removing a rendered module keeps a folder that holds a file of the user's.
    write_tree({PURE_MAIN: "# main\n"}, out)
    assert snapshot(out)["modules/a/notes.md"] == mine["modules/a/notes.md"]
    assert "modules/a/main.tf" not in snapshot(out)


@pytest.mark.parametrize("mine", ["main.tf", "modules/a/main.tf", "modules/a"])
def test_a_file_of_the_users_in_the_way_stops_the_render_before_it_writes(tmp_path: Path, mine: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / mine).parent.mkdir(parents=True, exist_ok=True)
    (out / mine).write_text("# hand-written\n")
    before = snapshot(out, record=True)
    with pytest.raises(OutputError, match=f"would overwrite {mine}, not written by mlinfra.*Nothing was written"):
        write_tree(FILES, out)
    assert snapshot(out, record=True) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_rendered_before_the_record_is_adopted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    old = {
        "README.md": "# p-dev: Terraform rendered by mlinfra\n",
        "main.tf": "# old main\n",
        "modules/old/main.tf": "# old module\n",
        "extra.tf": "# the user's\n",
    }
    for name, text in old.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    write_tree(FILES, out)
    got = snapshot(out)
    assert got["main.tf"] == "# main\n" and "modules/old/main.tf" not in got and got["extra.tf"] == "# the user's\n"
    assert "extra.tf" not in owned_files(out)


def test_a_hostile_record_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(FILES, out)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    (out / "sub").mkdir()
    (out / "sub" / "keep.txt").write_text("keep")
    with open(out / RECORD, "a") as fh:
        fh.write(f"../precious.txt\n{outside}\nsub/../../precious.txt\n./main.tf\nsub//keep.txt\n\x00\n")
    write_tree({PURE_MAIN: "# main\n"}, out)
    assert outside.read_text() == "keep" and (out / "sub" / "keep.txt").read_text() == "keep"
    assert sorted(snapshot(out)) == ["main.tf", "sub/keep.txt"]
