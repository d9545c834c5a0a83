"""The README's YAML is what a newcomer copies first: every snippet must be valid as written, in the README
and in the config reference (examples/README.md)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlinfra.errors import ConfigError
from mlinfra.pipeline import json_schema, load_config
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
REFERENCE = (ROOT / "examples" / "README.md").read_text()
#: ```yaml blocks, also those indented under a list item (their fence's indent is the block's).
SNIPPETS = [
    textwrap.dedent(m.group(2))
    for text in (README, REFERENCE)
    for m in re.finditer(r"^( *)```yaml\n(.*?)^\1```$", text, flags=re.S | re.M)
]


def test_the_readme_sends_to_the_reference() -> None:
    assert "](examples/README.md)" in README and REFERENCE.startswith("# Config reference")
    assert "```yaml" in REFERENCE  # its snippets are among those checked below


def test_the_readme_has_a_whole_config_and_section_snippets() -> None:
    whole = [s for s in SNIPPETS if "project" in yaml.safe_load(s)]
    assert len(whole) == 1 and len(SNIPPETS) >= 3


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.split(":")[0].strip())
def test_every_snippet_is_valid(snippet: str, tmp_path: Path) -> None:
    doc = yaml.safe_load(snippet)
    if "project" in doc:
        # A whole config: the shapes, the rules across fields, as mlinfra validate reads it.
        path = tmp_path / "mlinfra.yaml"
        path.write_text(snippet)
        load_config(path)
        return
    # A section: its shapes, in the whole config's place (the rules relate it to versions it does not show).
    base = yaml.safe_load(next(s for s in SNIPPETS if "project:" in s))
    errors = list(jsonschema.Draft7Validator(json_schema()).iter_errors({**base, **doc}))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_a_broken_snippet_fails(tmp_path: Path) -> None:
    whole = next(s for s in SNIPPETS if "project:" in s)
    path = tmp_path / "mlinfra.yaml"
    path.write_text(whole.replace("version: 1.2.0", "version: 1.3.0", 1))  # the canary's version is gone
    with pytest.raises(ConfigError, match=r"1\.2\.0"):
        load_config(path)


# --- the Day 2 table ------------------------------------------------------------------------------------


def test_the_day2_table_is_the_catalogues() -> None:
    """The README's "Day 2" table is tests/support/day2_catalogue.py's, row for row, and the catalogue has a
    row for every step tests/test_day2.py applies (which checks each step's plan against its row)."""
    from tests.support.day2_catalogue import ROWS, readme_rows, table
    from tests.test_day2 import PLATFORM_STEPS

    assert list(ROWS) == list(PLATFORM_STEPS)
    stated = {step: row.effects for step, row in ROWS.items()}
    assert readme_rows(README) == stated, "the README's Day 2 table disagrees with the catalogue"
    assert table() in README  # the wording too


def test_a_day2_row_that_disagrees_fails() -> None:
    from tests.support.day2_catalogue import ROWS, readme_rows

    row = "(`instance-type`) | blue/green rollout |"
    assert row in README
    edited = README.replace(row, "(`instance-type`) | updated in place |")
    assert readme_rows(edited)["instance-type"] != ROWS["instance-type"].effects
