"""The one escaping filter: every value enters HCL through mlinfra.render.hcl."""

from __future__ import annotations

import json

import pytest

from mlinfra.render.hcl import Interp, Ref, escape_string, hcl, hcl_block_list, hcl_block_map, key

NASTY = [
    "plain",
    'quo"te',
    "back\\slash",
    "trailing backslash\\",
    "new\nline",
    "carriage\rreturn",
    "tab\there",
    "${var.secret}",
    "%{ if true }directive%{ endif }",
    "$${already doubled}",
    "%%{ already doubled }",
    "$ {not an interpolation}",
    "ctrl\x01\x7f",
    "unicode ✓ ü 中文",
    "",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"),
        (False, "false"),
        (80, "80"),
        (0.5, "0.5"),
        (80.0, "80"),
        ("a", '"a"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("x\ny", '"x\\ny"'),
        ("${var.x}", '"$${var.x}"'),
        ("%{ if x }", '"%%{ if x }"'),
        (["a", 1, True], '["a", 1, true]'),
        ({"a": 1, "b-c": "d", "e f": "g"}, '{ a = 1, b-c = "d", "e f" = "g" }'),
        (Ref("var.kms_key_arn"), "var.kms_key_arn"),
        (Interp("s3://", Ref("var.bucket"), "/${x}/\"q\""), '"s3://${var.bucket}/$${x}/\\"q\\""'),
    ],
)
def test_literals(value: object, expected: str) -> None:
    assert hcl(value) == expected


def test_refuses_what_has_no_literal() -> None:
    with pytest.raises(TypeError):
        hcl(None)
    with pytest.raises(ValueError):
        hcl(float("nan"))
    with pytest.raises(TypeError):
        hcl(object())
    with pytest.raises(ValueError):
        Ref('var.x } evil = "')


def test_keys_are_bare_only_when_safe() -> None:
    assert key("team") == "team"
    assert key("cost-center") == "cost-center"
    assert key("aws:cloudformation") == '"aws:cloudformation"'
    assert key("null") == '"null"'
    assert key("1st") == '"1st"'


def test_block_forms() -> None:
    assert hcl_block_map({"A": "b", "Cd": "e"}, 2) == '{\n    A = "b"\n    Cd = "e"\n  }'
    assert hcl_block_map({}, 2) == "{}"
    assert hcl_block_list(["a"], 4) == '["a"]'
    assert hcl_block_list(["a", "b"], 4) == '[\n      "a",\n      "b",\n    ]'


def test_escape_is_what_terraform_reads_back(terraform, tmp_path) -> None:
    """Round trip through the real terraform: the value Terraform sees is exactly the Python string."""
    outputs = "".join(f'output "v{i}" {{\n  value = {hcl(v)}\n}}\n' for i, v in enumerate(NASTY))
    outputs += f'output "all" {{\n  value = {hcl({"k": NASTY, "m": {"x": NASTY[1]}})}\n}}\n'
    (tmp_path / "main.tf").write_text(outputs)
    terraform.run("init", "-no-color", cwd=tmp_path)
    terraform.run("apply", "-auto-approve", "-no-color", cwd=tmp_path)
    got = json.loads(terraform.run("output", "-json", cwd=tmp_path).stdout)
    for i, v in enumerate(NASTY):
        assert got[f"v{i}"]["value"] == v, (i, v)
    assert got["all"]["value"] == {"k": NASTY, "m": {"x": NASTY[1]}}


def test_escape_string_never_leaves_an_opener() -> None:
    for value in NASTY:
        escaped = escape_string(value)
        # Every "${" or "%{" left is preceded by its doubling character.
        for opener in ("${", "%{"):
            idx = escaped.find(opener)
            while idx != -1:
                assert idx > 0 and escaped[idx - 1] == opener[0], (value, escaped)
                idx = escaped.find(opener, idx + 1)
        assert "\n" not in escaped
