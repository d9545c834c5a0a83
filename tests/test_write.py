"""The atomic writer: all or nothing, and the user's terraform files survive a re-render."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

import pytest

from mlinfra.errors import OutputError
from mlinfra.write import diff_tree, write_tree

FILES = {
    PurePosixPath("main.tf"): "# main\n",
    PurePosixPath("README.md"): "# readme\n",
    PurePosixPath("modules/a/main.tf"): "# a\n",
}
PURE_MAIN = PurePosixPath("main.tf")


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


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
    (out / "modules" / "extra" / "main.tf").write_text("")
    drift = diff_tree(FILES, out)
    assert drift.changed == ("main.tf",) and drift.removed == ("modules/extra/main.tf",) and not drift.added


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
        "README.md": 0o644,
        "main.tf": 0o644,
        "modules": 0o755,
        "modules/a": 0o755,
        "modules/a/main.tf": 0o644,
        "modules/a/pkg": 0o755,
        "modules/a/pkg/deep": 0o755,
        "modules/a/pkg/deep/x.py": 0o644,
    }
