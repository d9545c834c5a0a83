"""YAML text → plain data plus the line of every key and item, refusing duplicated keys.

libyaml (PyYAML's C parser) composes the node tree in about a millisecond where a pure-Python parser
takes tens; the tree keeps each node's position, and this module builds the values from it itself:
- YAML 1.2 core scalars: only true/false are booleans (YAML 1.1's yes/no/on/off, and the "Norway problem",
  stay strings), integers and floats in their 1.2 forms (no sexagesimal 1:30; a leading zero such as
  0755 is neither octal nor decimal but text, which a number field then refuses), and no timestamps (a
  date stays the text the user wrote);
- a key written twice in one mapping is an error naming both lines (a loader that keeps the last one
  silently loses data); keys merged in with ``<<: *anchor`` may be overridden, as YAML specifies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """libyaml's parser with YAML 1.2 core-schema resolution."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _FLOAT,
    # A float has a point or an exponent (so "0755" stays text rather than a surprising number).
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


class YamlProblem(Exception):
    """The text is not YAML mlinfra can read; ``line`` is 1-based or None."""

    def __init__(self, message: str, code: str, line: int | None):
        super().__init__(message)
        self.message, self.code, self.line = message, code, line


@dataclass
class Document:
    data: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    # The text as written of every scalar YAML read as a number or boolean (1e-3, 4.10, True), by location:
    # where a string is wanted after all (environment values), the loader passes this text on.
    texts: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """The line of the deepest part of ``loc`` that the document has (``[key]`` parts are skipped)."""
        path = tuple(p for p in loc if p != "[key]")
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def parse(text: str) -> Document:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters)
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        raise YamlProblem(
            f"contains the control character U+{ord(exc.character) if isinstance(exc.character, str) else exc.character:04X}, which YAML does not allow",
            "not-text",
            line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(_message(exc, text), "yaml-syntax", _syntax_line(exc, text)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML error: {' '.join(str(exc).split())}", "yaml-syntax", None) from None
    doc = Document(None)
    if root is not None:
        doc.lines[()] = root.start_mark.line + 1  # the document's first key or item
        doc.data = _Builder(doc.lines, doc.texts).build(root, ())
    return doc


#: Values a document may expand to. libyaml composes aliases as shared nodes (cheap); building the data
#: copies each use, so nine nested aliases of nine make 9^9 values ("billion laughs"). The largest real
#: config is a few thousand values.
MAX_EXPANDED_NODES = 200_000


class _Builder:
    def __init__(self, lines: dict[tuple[Any, ...], int], texts: dict[tuple[Any, ...], str] | None = None):
        self.lines = lines
        self.texts = texts if texts is not None else {}
        self.constructor = SafeConstructor()
        self.active: set[int] = set()  # nodes being built: an alias back into one is a cycle
        self.count = 0
        self.built: set[int] = set()  # lists and mappings built once: meeting one again is an alias
        self.expansion: tuple[Any, ...] | None = None  # path of the outermost alias being expanded

    def build(self, node: Any, path: tuple[Any, ...]) -> Any:
        self.count += 1
        if self.count > MAX_EXPANDED_NODES:
            if self.expansion is not None:
                message = f"the aliases expand the document to more than {MAX_EXPANDED_NODES} values (aliases nested in aliases?): write the repeated parts out, or alias fewer levels deep"
            else:
                message = f"the document has more than {MAX_EXPANDED_NODES} values; a platform config has a few thousand: is this the right file?"
            raise YamlProblem(message, "yaml-too-many-nodes", self._expansion_line(path))
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if isinstance(value, (bool, int, float)):
                self.texts[path] = node.value
            return value
        if id(node) in self.active:
            raise YamlProblem(
                "an alias refers to a node that contains it (a cycle)", "yaml-syntax", node.start_mark.line + 1
            )
        self.active.add(id(node))
        outermost = self.expansion is None and id(node) in self.built
        if outermost:
            self.expansion = path
        self.built.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                out = []
                for i, item in enumerate(node.value):
                    self.lines[(*path, i)] = item.start_mark.line + 1
                    out.append(self.build(item, (*path, i)))
                return out
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self.active.discard(id(node))
            if outermost:
                self.expansion = None
        raise YamlProblem(f"unsupported YAML node {node.tag}", "yaml-syntax", node.start_mark.line + 1)

    def _expansion_line(self, path: tuple[Any, ...]) -> int | None:
        """The line of the key under which the outermost alias is expanded: inside an expansion, nodes
        carry the position of the anchored original, and a flow item's position is not kept at all."""
        where = self.expansion if self.expansion is not None else path
        for end in range(len(where), 0, -1):
            if isinstance(where[end - 1], str) and where[:end] in self.lines:
                return self.lines[where[:end]]
        return self.lines.get(())

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlProblem(_message(exc), "yaml-syntax", node.start_mark.line + 1) from None

    def _key(self, node: Any) -> Any:
        if not isinstance(node, ScalarNode):
            raise YamlProblem(
                "a mapping key must be a plain value, not a list or mapping", "yaml-syntax", node.start_mark.line + 1
            )
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise YamlProblem(
                    f'duplicated key "{key}" (first at line {first_line[key]}): a later value would silently replace the earlier one',
                    "duplicate-key",
                    line,
                )
            first_line[key] = line
        try:
            # Resolves `<<: *anchor` into the node: merged pairs first, the mapping's own pairs after them.
            self.constructor.flatten_mapping(node)
        except yaml.constructor.ConstructorError as exc:
            raise YamlProblem(_message(exc), "yaml-syntax", node.start_mark.line + 1) from None
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*path, key))
        return out


def _message(exc: Any, text: str | None = None) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    said = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    hint = _usual_cause(exc, problem, context or "", text)
    return f"{said}: {hint}" if hint else said


def _usual_cause(exc: Any, problem: str, context: str, text: str | None) -> str | None:
    """libyaml's words name the parser's state, not the mistake; the usual mistake behind each."""
    mark = getattr(exc, "problem_mark", None)
    if text is not None and mark is not None:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in line[: len(line) - len(line.lstrip())] or "'\\t'" in problem:
            return "this line is indented with a tab; YAML indents with spaces only"
    if "expected '-' indicator" in problem:
        return (
            "usually a list item without its leading '- ', or one indented differently from the items above it "
            "(every item of a list starts with '- ' in the same column)"
        )
    if "expected key" in problem or "expected <block end>" in problem:
        return (
            "usually the indentation: the keys of one mapping start in the same column, with spaces; "
            "compare this line with the key above it (or a list item missing its '- ')"
        )
    if "mapping values are not allowed" in problem:
        return (
            "usually a value that contains ': ' (quote it: \"a: b\"), or a key indented deeper than the "
            "keys beside it, under a value"
        )
    if "expected ',' or ']'" in problem or "expected ',' or '}'" in problem:
        return "a [ ... ] or { ... } is not closed, or two of its items lack the ',' between them"
    if "quoted scalar" in context:
        return "a quote opened here is never closed"
    return None


def _syntax_line(exc: Any, text: str) -> int | None:
    """The problem's line, or where the construct began when the problem is the end of the file
    (an unclosed quote or bracket is reported at the end of the stream)."""
    problem, context = exc.problem_mark, exc.context_mark
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    if problem is not None and problem.line + 1 <= last:
        return problem.line + 1
    if context is not None:
        return context.line + 1
    return last if problem is not None else None
