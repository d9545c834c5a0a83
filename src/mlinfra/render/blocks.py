"""The top-level blocks of a rendered ``.tf`` file: what the summary and the module READMEs count.

The text is the formatter's (:mod:`.fmt`), so a block starts at column 0 (``resource "T" "N" {``) and its
meta-arguments come first, indented two spaces, after any comment lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import record

_HEADER = re.compile(r'(resource|data) "([a-z0-9_]+)" "[a-z0-9_]+" \{(\})?$')
_REPEAT = re.compile(r"  (?:for_each|count) += ((?:var|local)\.\w+)$")


@record
class Block:
    kind: str  # "resource" or "data"
    type: str  # "aws_s3_bucket"
    # The module variable or local a for_each iterates over (``var.endpoints``), or a count is (a local
    # of 0 or 1: ``local.scheduled``), as written; None when the block makes one object or repeats over
    # something else (it then counts as one).
    for_each: str | None


def blocks(text: str) -> Iterator[Block]:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        if header[3]:  # an empty block: `data "aws_partition" "current" {}`
            yield Block(header[1], header[2], None)
            continue
        j = i + 1
        while j < len(lines) and lines[j].startswith("  #"):
            j += 1
        repeated = _REPEAT.match(lines[j]) if j < len(lines) else None
        yield Block(header[1], header[2], repeated[1] if repeated else None)
