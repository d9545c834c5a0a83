"""Commented starter configs, one per common case, and :func:`write_starter` that ``mlinfra init`` calls.

The starters are package data (``<case>.yaml`` beside this module; the wheel ships the whole package
folder). Each starts with the YAML language server's modeline naming ``mlinfra.schema.json``, which
:func:`write_starter` writes beside the config: a schema file beside the config works offline and always
matches the installed mlinfra, where a published URL would lag or lead it.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from ..errors import OutputError, UsageError
from ..records import record

#: The cases ``mlinfra init --case`` offers, the first the default.
CASES = ("realtime", "serverless", "batch", "inference-components", "async")
SCHEMA_FILE = "mlinfra.schema.json"


def starter_text(case: str) -> str:
    """The starter config of ``case``, as ``mlinfra init`` writes it."""
    if case not in CASES:
        raise UsageError(f"no starter for case {case!r}: choose one of {', '.join(CASES)}")
    return files(__name__).joinpath(f"{case}.yaml").read_text(encoding="utf-8")


@record
class Written:
    config: Path
    schema: Path


def write_starter(case: str, output: Path, *, force: bool = False) -> Written:
    """Write the starter of ``case`` to ``output`` and the config's JSON Schema beside it.

    An existing ``output`` is kept (OutputError, nothing written) unless ``force``. The schema file is
    generated, so it is rewritten when present: it then matches this mlinfra."""
    from ..pipeline import json_schema

    text = starter_text(case)
    if output.is_dir():
        raise OutputError(f"{output} is a folder: name the config file to write, e.g. {output / 'mlinfra.yaml'}")
    if output.exists() and not force:
        raise OutputError(f"{output} already exists: nothing written (--force replaces it, or -o names another file)")
    if not output.parent.is_dir():
        raise OutputError(f"{output.parent} is not a folder: create it first, or -o names a file in an existing one")
    schema = output.parent / SCHEMA_FILE
    try:
        output.write_text(text, encoding="utf-8")
        schema.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    return Written(output, schema)
