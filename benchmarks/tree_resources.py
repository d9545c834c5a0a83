"""The resources a rendered mlinfra tree deploys, per Terraform type: what the CDK for Terraform side of the
render benchmark (benchmarks/cdktf) must synthesize too, resource for resource.

A resource block of the root counts once; one of a module counts once per call of the module, or, with
``for_each = var.NAME``, once per key of the map that call passes as NAME. The tree is read as mlinfra
writes it (``terraform fmt`` layout: a module call's arguments at two spaces, a map's keys at four): a
hundredfold faster than python-hcl2 on a 200-endpoint tree; tests/test_bench_cdktf.py checks it against
python-hcl2 and against the render's own resource count. Anything else (``count``, ``for_each`` over an
expression, a map on one line) raises ValueError rather than guess.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

_BLOCK = re.compile(r'^(resource|module) "([^"]+)"(?: "([^"]+)")? \{$')
_FOR_EACH = re.compile(r"^  for_each += (.*)$")
_SOURCE = re.compile(r'^  source += "\./(modules/[^"]+)"$')
_ARGUMENT = re.compile(r"^  (\w+) += (.*)$")
_KEY = re.compile(r'^    ("[^"]+"|[\w-]+) +=')


def resources_per_type(files: Mapping[PurePosixPath, str]) -> Counter[str]:
    """Resources per Terraform type of the tree ``files`` (its path, relative to the root, to its text)."""
    counts: Counter[str] = Counter()
    for kind, labels, body in _blocks(files[PurePosixPath("main.tf")]):
        if kind == "resource":
            if any(_FOR_EACH.match(line) or line.startswith("  count = ") for line in body):
                raise ValueError(f"root resource {'.'.join(labels)}: for_each/count at the root is not counted here")
            counts[labels[0]] += 1
            continue
        source = next((m.group(1) for line in body if (m := _SOURCE.match(line))), None)
        if source is None:
            raise ValueError(f"module {labels[0]}: no local source")
        arguments = _arguments(body)
        for rkind, (rtype, rname), rbody in _blocks(files[PurePosixPath(source) / "main.tf"]):
            if rkind != "resource":
                continue
            if any(line.startswith("  count = ") for line in rbody):
                raise ValueError(f"{source} resource {rtype}.{rname}: count is not counted here")
            for_each = next((m.group(1) for line in rbody if (m := _FOR_EACH.match(line))), None)
            if for_each is None:
                counts[rtype] += 1
            elif for_each.startswith("var.") and for_each[4:] in arguments:
                counts[rtype] += arguments[for_each[4:]]
            else:
                raise ValueError(f"module {labels[0]} resource {rtype}.{rname}: for_each = {for_each} not understood")
    return +counts


def read_tree(root: Path) -> dict[PurePosixPath, str]:
    """The ``main.tf`` files of a tree on disk, keyed as :func:`resources_per_type` reads them."""
    return {PurePosixPath(p.relative_to(root).as_posix()): p.read_text(encoding="utf-8") for p in root.rglob("main.tf")}


def _blocks(text: str) -> Iterator[tuple[str, tuple[str, ...], list[str]]]:
    """The top-level resource and module blocks of a file: kind, labels, the lines inside."""
    lines = iter(text.splitlines())
    for line in lines:
        m = _BLOCK.match(line)
        if m is None:
            continue
        body = []
        for inner in lines:
            if inner == "}":
                break
            body.append(inner)
        yield m.group(1), tuple(label for label in m.groups()[1:] if label is not None), body


def _arguments(body: list[str]) -> dict[str, int]:
    """The number of keys of each map argument of a module call (``{}`` has none)."""
    sizes: dict[str, int] = {}
    name = None
    for line in body:
        if name is not None:
            if line == "  }":
                name = None
            elif _KEY.match(line):
                sizes[name] += 1
            continue
        m = _ARGUMENT.match(line)
        if m is None:
            continue
        if m.group(2) == "{}":
            sizes[m.group(1)] = 0
        elif m.group(2) == "{":
            name = m.group(1)
            sizes[name] = 0
    return sizes
