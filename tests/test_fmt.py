"""format_hcl must agree with the real `terraform fmt` on the shapes our templates produce."""

from __future__ import annotations

import pytest

from mlinfra.render.fmt import format_hcl

CASES = {
    "aligns a run": 'resource "a" "b" {\n  name = "x"\n  longer_name = 1\n}\n',
    "blank line splits runs": 'resource "a" "b" {\n  a = 1\n\n  bbbbbb = 2\n}\n',
    "multi-line value splits runs": 'resource "a" "b" {\n  a = 1\n  tags = {\n    X = "y"\n    Longer = "z"\n  }\n  ccc = 3\n}\n',
    "one-line object joins a run": 'resource "a" "b" {\n  a = { x = 1 }\n  bbbb = 2\n}\n',
    "comment splits runs": 'resource "a" "b" {\n  a = 1\n  # why\n  bbbb = 2\n}\n',
    "equals inside strings": 'resource "a" "b" {\n  expr = "x = y"\n  a = "=="\n}\n',
    "comparison is not assignment": 'resource "a" "b" {\n  expression = "IF(a >= 1, 1, 0)"\n  c = 1\n}\n',
    "nested blocks": 'resource "a" "b" {\n  x = 1\n\n  blk {\n    inner = 1\n    in = 2\n  }\n}\n',
    "multi-line list": 'resource "a" "b" {\n  sid = "x"\n  actions = [\n    "a",\n    "b",\n  ]\n  resources = ["*"]\n}\n',
    "interpolation with quotes": 'locals {\n  a = "${var.x}/\\"q\\""\n  bb = 1\n}\n',
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_agrees_with_terraform_fmt(text: str, terraform, tmp_path) -> None:
    ours = format_hcl(text)
    (tmp_path / "main.tf").write_text(text)
    terraform.run("fmt", "main.tf", cwd=tmp_path)
    assert ours == (tmp_path / "main.tf").read_text()


def test_tidies_blank_lines() -> None:
    text = 'resource "a" "b" {\n\n  a = 1\n\n\n  b = 2\n\n}\n\n\n'
    assert format_hcl(text) == 'resource "a" "b" {\n  a = 1\n\n  b = 2\n}\n'
