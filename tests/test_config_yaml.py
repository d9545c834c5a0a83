"""The YAML reader: YAML 1.2 core scalars, positions, duplicates, merges, cycles."""

from __future__ import annotations

import pytest

from mlinfra.config.yaml_source import YamlProblem, parse


def test_yaml_1_2_scalars() -> None:
    doc = parse(
        "norway: NO\nenabled: yes\nswitch: on\nflag: true\nFlag: False\ndate: 2024-01-31\ntime: 1:30\n"
        "octal: 0o17\nhex: 0x1F\nleading_zero: 0755\nfloat: 1.5e3\ndot: .5\ninf: .inf\nint: -42\nnull_value: null\n"
    )
    assert doc.data == {
        "norway": "NO",  # YAML 1.1 would say False
        "enabled": "yes",
        "switch": "on",
        "flag": True,
        "Flag": False,
        "date": "2024-01-31",  # no timestamps: the text as written
        "time": "1:30",  # no sexagesimal 90
        "octal": 15,
        "hex": 31,
        "leading_zero": "0755",  # not an implicit octal
        "float": 1500.0,
        "dot": 0.5,
        "inf": float("inf"),
        "int": -42,
        "null_value": None,
    }


def test_positions_of_keys_and_items() -> None:
    doc = parse("# comment\na:\n  b: 1\n  c:\n    - x\n    - y: 2\n")
    assert doc.lines[()] == 2
    assert doc.line(("a", "b")) == 3
    assert doc.line(("a", "c", 1)) == 6 and doc.line(("a", "c", 1, "y")) == 6
    assert doc.line(("a", "c", 1, "missing")) == 6  # the deepest part that exists
    assert doc.line(("a", "[key]")) == 2


def test_duplicates_name_both_lines() -> None:
    with pytest.raises(YamlProblem) as err:
        parse("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n")
    assert err.value.code == "duplicate-key" and err.value.line == 5 and "first at line 3" in err.value.message


def test_merge_keys_may_be_overridden_but_not_duplicated() -> None:
    doc = parse("base: &b\n  x: 1\n  y: 2\nchild:\n  <<: *b\n  y: 3\n")
    assert doc.data["child"] == {"x": 1, "y": 3}
    assert doc.line(("child", "x")) == 2  # merged keys point where they are written
    with pytest.raises(YamlProblem, match="duplicated key"):
        parse("child:\n  <<: {x: 1}\n  y: 3\n  y: 4\n")


def test_complex_keys_and_cycles_are_refused() -> None:
    with pytest.raises(YamlProblem, match="plain value"):
        parse("? [a, b]\n: 1\n")
    with pytest.raises(YamlProblem, match="cycle"):
        parse("a: &x\n  b: *x\n")


def test_syntax_errors_keep_a_line() -> None:
    with pytest.raises(YamlProblem) as err:
        parse('a: 1\nb: "open\nc: 2\n')
    assert err.value.code == "yaml-syntax" and err.value.line == 2
    with pytest.raises(YamlProblem) as err:
        parse("a: 1\n\x07\n")
    assert err.value.code == "not-text" and err.value.line == 2
