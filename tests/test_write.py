"""The atomic writer: all or nothing, and the user's terraform files survive a re-render."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from mlinfra.errors import OutputError
from mlinfra.write import diff_tree, write_tree

FILES = {
    PurePosixPath("main.tf"): "# main\n",
    PurePosixPath("README.md"): "# readme\n",
    PurePosixPath("modules/a/main.tf"): "# a\n",
}


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
