"""Static checks over a rendered Terraform tree, without running Terraform.

A rendered tree is a root module (``*.tf`` in the root directory) whose
``module "x" { source = "./modules/x" }`` blocks point at child modules
(``modules/<name>/{main,variables,outputs}.tf``, optionally ``versions.tf``).
Every directory holding ``.tf`` files is one Terraform module; all its files
are read together.

Public functions (pure; they only read files):

* ``load_tree(root) -> {module_dir: {file_name: parsed_hcl}}``
* ``schema_errors(root, schema_path=None) -> [str]`` -- resources and data
  sources against the committed provider schemas.
* ``reference_errors(root, schema_path=None) -> [str]`` -- ``var.``/``local.``/
  ``module.``/``data.``/resource references, module inputs, provider
  configurations (``provider = aws.<alias>``, module ``providers`` maps,
  ``configuration_aliases``), unused variables, missing descriptions/types.

Schemas: by default every ``tests/schema/*-provider-*.json`` (made by
``tools/provider_schema/extract.py``: hashicorp/aws, hashicorp/archive,
hashicorp/random).  ``schema_path`` may instead name one file or an iterable of
files.  A type is looked up in the schema of the provider its name starts with
(``aws_kms_key`` -> hashicorp/aws, ``archive_file`` -> hashicorp/archive); a
type of a provider without a schema, or missing from its provider's schema, is
an error.

References (see ``references``): any ``a.b`` traversal not starting with
``var``/``local``/``module``/``data`` or a built-in object (``count``,
``each``, ``self``, ``path``, ``terraform``) is a resource reference, whatever
its prefix -- except where ``a`` is bound by an enclosing ``for`` expression
(``[for r in aws_x.y : r.fqdn]``: ``r`` is not a reference, ``aws_x.y`` is), a
template ``%{ for }`` directive, or a ``dynamic`` block iterator.  Provider
references (``provider = aws.x``, ``providers = {...}``, ``configuration_aliases``)
and ``lifecycle.ignore_changes`` paths are not expressions and are checked apart.

Every message reads ``<file>: <address>: <detail>`` with the file relative to root.

python-hcl2 (v8) output, as relied on below:

* Block labels keep their quotes: ``{"resource": [{'"aws_kms_key"': {'"this"': {...}}}]}``.
* Every block body is a dict carrying ``"__is_block__": True``; a nested block
  type maps to a *list* of such dicts (one per occurrence), even when it
  appears once.  An attribute never carries the marker: ``x = {a = 1}`` is a
  plain dict and ``x = [{a = 1}]`` a list of plain dicts.
* String literals keep their quotes: ``name = "a-${var.b}"`` -> ``'"a-${var.b}"'``.
  Any other expression is wrapped whole in ``${...}``: ``var.b`` ->
  ``'${var.b}'``, ``jsonencode({A = "x"})`` -> ``'${jsonencode({A = "x"})}'``.
  Lone bare identifiers stay bare: ``type = string`` -> ``'string'``,
  ``provider = aws`` -> ``'aws'``.
  Numbers, booleans and ``null`` become Python values.
* Map keys that are expressions are wrapped too:
  ``providers = { aws.east = aws.east }`` -> ``{'${aws.east}': '${aws.east}'}``.
* Heredocs become one quoted string *without* escaping their inner quotes:
  ``'"<<EOT\n{"a": "${var.x}"}\nEOT"'``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import hcl2

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
SCHEMA_GLOB = "*-provider-*.json"

# Arguments Terraform accepts in every resource / data block.
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on"}
META_BLOCKS = {"lifecycle"}
LIFECYCLE_ARGUMENTS = {
    "create_before_destroy",
    "prevent_destroy",
    "ignore_changes",
    "replace_triggered_by",
    "precondition",
    "postcondition",
}
# Valid Terraform that the renderer never emits and these checks cannot follow.
UNSUPPORTED_BLOCKS = {"dynamic", "provisioner", "connection"}

# Arguments of a `module` block that are not input variables of the child.
MODULE_META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}

# Attributes every resource can be referenced by, schema or not.
ALWAYS_REFERENCEABLE = {"id", "arn"}

# Objects Terraform provides in expressions: `each.value`, `path.module`, ...
BUILTIN_OBJECTS = {"count", "each", "self", "path", "terraform"}

MARK = "__is_block__"


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def load_tree(root: Path) -> dict[str, dict[str, dict]]:
    """Parse every ``.tf`` file under root, grouped by module directory.

    Keys are module directories relative to root in POSIX form (``"."`` for the
    root module, ``"modules/serving"``, ...); values map file names to the
    python-hcl2 parse result.  A file that does not parse raises ValueError
    naming it.  ``.terraform/`` directories are skipped.
    """
    root = Path(root)
    tree: dict[str, dict[str, dict]] = {}
    for path in sorted(root.rglob("*.tf")):
        rel = path.relative_to(root)
        if ".terraform" in rel.parts:
            continue
        try:
            with path.open(encoding="utf-8") as handle:
                parsed = hcl2.load(handle)
        except Exception as exc:  # lark raises its own exception types
            raise ValueError(f"{rel.as_posix()}: does not parse: {exc}") from exc
        tree.setdefault(rel.parent.as_posix(), {})[path.name] = _drop_comments(parsed)
    return tree


def _drop_comments(value):
    """python-hcl2 8 keeps comments inside a block body under ``__comments__``: not an argument."""
    if isinstance(value, dict):
        return {k: _drop_comments(v) for k, v in value.items() if k != "__comments__"}
    if isinstance(value, list):
        return [_drop_comments(v) for v in value]
    return value


def _file(module_dir: str, name: str) -> str:
    return name if module_dir == "." else f"{module_dir}/{name}"


def _unquote(label: str) -> str:
    """Block labels and string literals come back with their quotes."""
    if len(label) >= 2 and label[0] == label[-1] == '"':
        return label[1:-1]
    return label


def _is_block_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and item.get(MARK) for item in value)
    )


def _labeled(blocks: list[dict], depth: int) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Walk ``resource``-style lists: [{'"type"': {'"name"': body}}] -> (labels, body)."""
    for entry in blocks:
        if depth == 0:
            yield (), entry
            continue
        for label, inner in entry.items():
            if label == MARK:
                continue
            for labels, body in _labeled([inner], depth - 1):
                yield (_unquote(label), *labels), body


def _blocks(parsed: dict, kind: str, labels: int) -> Iterator[tuple[tuple[str, ...], dict]]:
    yield from _labeled(parsed.get(kind, []), labels)


# --------------------------------------------------------------------------
# Schema checks
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _load_schema(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def default_schema_paths() -> list[Path]:
    """Every committed provider schema: ``tests/schema/*-provider-*.json``."""
    return sorted(SCHEMA_DIR.glob(SCHEMA_GLOB))


def load_schemas(schema_path: Path | str | Iterable[Path | str] | None = None) -> dict[str, dict]:
    """Schemas by provider name (``"aws"``, ``"archive"``, ...), i.e. by type prefix.

    ``None`` loads every default schema; otherwise one path or several.  Two
    schemas of one provider, or none at all, raise ValueError.
    """
    if schema_path is None:
        paths: list[Path | str] = list(default_schema_paths())
    elif isinstance(schema_path, (str, Path)):
        paths = [schema_path]
    else:
        paths = list(schema_path)
    schemas: dict[str, dict] = {}
    for path in paths:
        schema = _load_schema(str(path))
        name = _provider_label(schema).rsplit("/", 1)[-1]
        if name in schemas:
            raise ValueError(f"two schemas for {_provider_label(schema)}: {path} and another file")
        schemas[name] = schema
    if not schemas:
        raise ValueError(f"no provider schema ({SCHEMA_DIR}/{SCHEMA_GLOB})")
    return schemas


def _provider_label(schema: dict) -> str:
    """registry.terraform.io/hashicorp/aws -> hashicorp/aws"""
    return schema["source"].removeprefix("registry.terraform.io/")


def _type_provider(tf_type: str) -> str:
    """aws_kms_key -> aws: Terraform's default provider for a type is its first word."""
    return tf_type.split("_", 1)[0]


def _type_schema(schemas: dict[str, dict], section: str, tf_type: str) -> dict | None:
    schema = schemas.get(_type_provider(tf_type))
    return None if schema is None else schema[section].get(tf_type)


def schema_errors(
    root: Path, schema_path: Path | str | Iterable[Path | str] | None = None
) -> list[str]:
    """Check every resource/data block of every module against the schemas."""
    schemas = load_schemas(schema_path)
    errors: list[str] = []
    for module_dir, files in load_tree(root).items():
        for file_name, parsed in files.items():
            where = _file(module_dir, file_name)
            for kind, section in (("resource", "resources"), ("data", "data_sources")):
                for (tf_type, name), body in _blocks(parsed, kind, 2):
                    address = f"{tf_type}.{name}" if kind == "resource" else f"data.{tf_type}.{name}"
                    prefix = f"{where}: {address}"
                    type_schema = _type_schema(schemas, section, tf_type)
                    if type_schema is None:
                        errors.append(f"{prefix}: {_unknown_type_message(kind, tf_type, schemas)}")
                        continue
                    errors.extend(f"{prefix}: {e}" for e in _check_top_level(body, type_schema))
    return errors


def _unknown_type_message(kind: str, tf_type: str, schemas: dict[str, dict]) -> str:
    noun = "resource" if kind == "resource" else "data source"
    schema = schemas.get(_type_provider(tf_type))
    if schema is not None:
        return (
            f"{noun} type {tf_type} is not in the committed schema for "
            f"{_provider_label(schema)} {schema['version']} (unknown, or not yet listed in "
            "tools/provider_schema/extract.py)"
        )
    known = ", ".join(sorted(_provider_label(s) for s in schemas.values()))
    return f"{noun} type {tf_type} belongs to no provider with a committed schema ({known})"


def _check_top_level(body: dict, type_schema: dict) -> list[str]:
    errors: list[str] = []
    if "count" in body and "for_each" in body:
        errors.append("count and for_each are mutually exclusive")
    lifecycle = body.get("lifecycle")
    if lifecycle is not None:
        if not _is_block_list(lifecycle):
            errors.append("lifecycle: must be a block")
        elif len(lifecycle) > 1:
            errors.append("lifecycle: block may appear only once")
        else:
            for key in lifecycle[0]:
                if key != MARK and key not in LIFECYCLE_ARGUMENTS:
                    errors.append(f"lifecycle.{key}: unknown lifecycle argument")
    content = {k: v for k, v in body.items() if k not in META_ARGUMENTS | META_BLOCKS}
    errors.extend(_check_body(content, type_schema, ""))
    return errors


def _check_body(body: dict, block_schema: dict, path: str) -> list[str]:
    """Arguments and nested blocks of one block body, recursively."""
    errors: list[str] = []
    attributes = block_schema["attributes"]
    blocks = block_schema["blocks"]

    def at(name: str) -> str:
        return f"{path}.{name}" if path else name

    for key, value in body.items():
        if key == MARK:
            continue
        if key in UNSUPPORTED_BLOCKS:
            errors.append(f"{at(key)}: `{key}` blocks are not supported by these checks")
            continue
        if _is_block_list(value):
            if key in blocks:
                errors.extend(_check_block_occurrences(key, value, blocks[key], at(key)))
            elif key in attributes:
                errors.append(f"{at(key)}: is an argument, not a block (write `{key} = ...`)")
            else:
                errors.append(f"{at(key)}: unknown block type")
            continue
        if key in attributes:
            flags = attributes[key]
            if not (flags["optional"] or flags["required"]):
                errors.append(f"{at(key)}: is read-only (computed), it cannot be set")
            continue
        if key in blocks:
            if not blocks[key].get("attribute_syntax"):
                errors.append(f"{at(key)}: is a block, not an argument (write `{key} {{ ... }}`)")
            continue
        errors.append(f"{at(key)}: unknown argument")

    for name, flags in sorted(attributes.items()):
        # `name = null` is the same as leaving it out.
        if flags["required"] and body.get(name) is None:
            errors.append(f"{at(name)}: required argument is missing")
    for name, spec in sorted(blocks.items()):
        if name not in body and spec.get("min_items", 0) > 0:
            errors.append(f"{at(name)}: required block is missing")
    return errors


def _check_block_occurrences(name: str, occurrences: list[dict], spec: dict, path: str) -> list[str]:
    errors: list[str] = []
    count = len(occurrences)
    # SDKv2 `MaxItems: 1` blocks are lists of at most one element.
    at_most_one = spec["nesting"] == "single" or spec.get("max_items") == 1
    if at_most_one and count > 1:
        errors.append(f"{path}: block may appear at most once, found {count}")
    elif "max_items" in spec and count > spec["max_items"]:
        errors.append(f"{path}: at most {spec['max_items']} blocks allowed, found {count}")
    if count < spec.get("min_items", 0):
        errors.append(f"{path}: at least {spec['min_items']} blocks required, found {count}")
    for index, occurrence in enumerate(occurrences):
        # Repeated blocks (list or set) are told apart by their order in the file.
        sub = path if at_most_one else f"{path}[{index}]"
        errors.extend(_check_body(occurrence, spec["block"], sub))
    return errors


# --------------------------------------------------------------------------
# Expression scanning
# --------------------------------------------------------------------------


def _template(text: str, i: int, quoted: bool) -> tuple[str, int]:
    """Skeleton of the template text[i:] (string or heredoc content).

    Text is literal except ``${...}`` interpolations and ``%{...}`` directives;
    ``$${`` and ``%%{`` are escapes for a literal ``${`` / ``%{``.  Literal text
    is dropped; each interpolation becomes ``(expr)``, and a
    ``%{ for x in c }...%{ endfor }`` directive becomes ``[for x in (c) : ...]``
    so that ``x`` is scoped like in a for expression.  The result is ``""`` when
    there is nothing but literal text.  With quoted=True the template ends at
    the closing ``"`` (returned index is after it); backslash escapes apply.
    """
    pieces: list[str] = []
    open_fors = 0
    while i < len(text):
        if quoted and text[i] == '"':
            i += 1
            break
        if quoted and text[i] == "\\":
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            i += 3
        elif text.startswith("${", i):
            expression, i = _read_expression(text, i + 2, closing=True)
            pieces.append(f"({expression})")
        elif text.startswith("%{", i):
            expression, i = _read_expression(text, i + 2, closing=True)
            directive = expression.strip().strip("~").strip()
            head = re.match(rf"for\s+({_IDENT}(?:\s*,\s*{_IDENT})?)\s+in\s+(.*)$", directive, re.S)
            if head:
                pieces.append(f"[for {head.group(1)} in ({head.group(2)}) :")
                open_fors += 1
            elif directive == "endfor":
                if open_fors:
                    pieces.append("]")
                    open_fors -= 1
            elif directive.startswith("if ") or directive.startswith("if("):
                pieces.append(f"({directive[2:]})")
            # `else`, `endif`: nothing to scan.
        else:
            i += 1
    pieces.extend("]" * open_fors)
    return ("(" + " ".join(pieces) + ")" if pieces else '""'), i


def _read_expression(text: str, i: int, closing: bool, out: list[str] | None = None) -> tuple[str, int]:
    """Read an expression from text[i:]; return (skeleton, index after it).

    The skeleton is the expression with every string literal replaced by the
    skeleton of its template (``""`` for plain text, see ``_template``), so
    that literal text ("arn:aws:s3:::bucket", "sagemaker:InvokeEndpoint") can
    never look like a reference while interpolations stay in place -- inside
    any enclosing ``for``.  With closing=True, reading stops after the ``}``
    that closes the enclosing ``${``/``%{``.  (``out`` is unused; kept for
    callers of the old signature.)
    """
    parts: list[str] = []
    depth = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            skeleton, i = _template(text, i + 1, quoted=True)
            parts.append(skeleton)
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            if closing and depth == 0 and char == "}":
                return "".join(parts), i + 1
            depth -= 1
        parts.append(char)
        i += 1
    return "".join(parts), i


def _value_skeleton(item: str) -> str:
    """Skeleton of one python-hcl2 string value (see module docstring)."""
    if len(item) >= 2 and item[0] == item[-1] == '"':
        body = item[1:-1]
        if body.startswith("<<"):
            # Heredoc: drop the `<<EOT` / `<<-EOT` opener and closing marker.
            lines = body.split("\n")
            body = "\n".join(lines[1:-1])
        return _template(body, 0, quoted=False)[0]
    if item.startswith("${") and item.endswith("}"):
        return _read_expression(item[2:-1], 0, closing=False)[0]
    return _read_expression(item, 0, closing=False)[0]


def scoped_expressions(
    value: Any, bound: frozenset[str] = frozenset()
) -> Iterator[tuple[str, frozenset[str]]]:
    """(skeleton, names bound around it) for every expression in a python-hcl2 value.

    Names are bound by ``dynamic "x"`` blocks: ``x`` (or its ``iterator``)
    inside the block's ``content``.
    """
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == MARK:
                continue
            if isinstance(key, str) and key.startswith("${"):  # `(expr) = value` map keys
                yield from scoped_expressions(key, bound)
            # `dynamic "x" {...}` -> {"dynamic": [{'"x"': {body}}]} (labelled: no marker on the outer dicts)
            if key == "dynamic" and isinstance(inner, list) and all(isinstance(i, dict) for i in inner):
                for (label,), body in _labeled(inner, 1):
                    iterator = body.get("iterator", label)
                    name = _strip_interpolation(str(iterator)) if iterator else label
                    for k, v in body.items():
                        if k == "content":
                            yield from scoped_expressions(v, bound | {name})
                        elif k not in (MARK, "iterator"):
                            yield from scoped_expressions(v, bound)
                continue
            yield from scoped_expressions(inner, bound)
    elif isinstance(value, list):
        for inner in value:
            yield from scoped_expressions(inner, bound)
    elif isinstance(value, str):
        yield _value_skeleton(value), bound


def value_expressions(value: Any) -> list[str]:
    """Skeletons of every expression in a python-hcl2 value (see module docstring)."""
    return [skeleton for skeleton, _bound in scoped_expressions(value)]


def _strip_interpolation(text: str) -> str:
    """'${aws.east}' -> 'aws.east'; bare 'aws' stays."""
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1].strip()
    return text


_IDENT = r"[A-Za-z_][\w-]*"  # HCL identifiers may contain dashes
# A traversal starts where no identifier, `.`, `-` or `:` precedes it (so
# `each.value.aws_x.y`, `foo.var.x`, `aws_iam_role.r.var.x` and
# `provider::aws::f` are not heads).
_REF_HEAD = re.compile(
    rf"(?<![\w.\-:])(?P<head>{_IDENT})\.(?P<second>{_IDENT})(?:\.(?P<third>{_IDENT}))?"
)
# `[for x in` / `{for k, v in`: the names are bound after the `:`.
_FOR_HEAD = re.compile(rf"[\[{{]\s*for\s+(?P<a>{_IDENT})(?:\s*,\s*(?P<b>{_IDENT}))?\s+in(?![\w-])")


@dataclass(frozen=True)
class Reference:
    kind: str  # "var", "local", "module", "data", "resource"
    name: str  # variable/local/module name, or resource name
    type: str | None = None  # resource / data source type
    attribute: str | None = None  # next attribute after the (indexed) head, if any


def _attribute_after(text: str, i: int) -> str | None:
    """The attribute following a reference head, skipping `[..]` and `.*` splats."""
    while i < len(text):
        if text[i] == "[":
            depth = 0
            while i < len(text):
                depth += {"[": 1, "]": -1}.get(text[i], 0)
                i += 1
                if depth == 0:
                    break
        elif text.startswith(".*", i):
            i += 2
        else:
            break
    match = re.match(rf"\.({_IDENT})", text[i:])
    return match.group(1) if match else None


def _closing_bracket(text: str, i: int) -> int:
    """Index of the bracket closing the one at text[i] (len(text) if unclosed)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "([{":
            depth += 1
        elif text[j] in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return len(text)


def _for_scopes(skeleton: str) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, names) of every for expression's body (after its `:`)."""
    scopes = []
    for m in _FOR_HEAD.finditer(skeleton):
        end = _closing_bracket(skeleton, m.start())
        depth, pending_ternaries, i = 0, 0, m.end()
        colon = None
        while i < end:
            char = skeleton[i]
            if skeleton.startswith("::", i):  # provider::name::function
                i += 2
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif depth == 0 and char == "?":
                pending_ternaries += 1
            elif depth == 0 and char == ":":
                if pending_ternaries:
                    pending_ternaries -= 1
                else:
                    colon = i
                    break
            i += 1
        if colon is not None:
            names = frozenset(n for n in (m.group("a"), m.group("b")) if n)
            scopes.append((colon, end, names))
    return scopes


def references(skeleton: str, bound: Iterable[str] = ()) -> list[Reference]:
    """References in one skeleton; names in `bound` (and for-expression
    variables within their body) are local values, not references."""
    refs: list[Reference] = []
    outer = frozenset(bound)
    scopes = _for_scopes(skeleton)
    for m in _REF_HEAD.finditer(skeleton):
        head, second, third = m.group("head", "second", "third")
        local_names = outer.union(*(n for s, e, n in scopes if s < m.start() < e))
        if head in local_names or head in BUILTIN_OBJECTS:
            continue
        if head in ("var", "local"):
            refs.append(Reference(head, second))
        elif head == "module":
            refs.append(Reference("module", second, attribute=_attribute_after(skeleton, m.end("second"))))
        elif head == "data":
            if third:
                refs.append(Reference("data", third, second, _attribute_after(skeleton, m.end("third"))))
        else:
            refs.append(Reference("resource", second, head, _attribute_after(skeleton, m.end("second"))))
    return refs


# --------------------------------------------------------------------------
# Reference checks
# --------------------------------------------------------------------------


@dataclass
class _Module:
    """Declarations of one module directory: name -> (file, body)."""

    variables: dict[str, tuple[str, dict]] = field(default_factory=dict)
    locals: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, tuple[str, dict]] = field(default_factory=dict)
    calls: dict[str, tuple[str, dict]] = field(default_factory=dict)
    resources: dict[tuple[str, str], str] = field(default_factory=dict)
    data: dict[tuple[str, str], str] = field(default_factory=dict)
    # "aws" / "aws.us_east_1" -> file of its `provider "aws"` block.
    provider_configs: dict[str, str] = field(default_factory=dict)
    # "aws.us_east_1" -> file of the `configuration_aliases` naming it.
    configuration_aliases: dict[str, str] = field(default_factory=dict)
    # required_providers local name -> source ("hashicorp/aws").
    provider_sources: dict[str, str] = field(default_factory=dict)

    def provider_type(self, local_name: str) -> str:
        """Provider type of a local name: `aws` unless required_providers maps it elsewhere."""
        return self.provider_sources.get(local_name, local_name).rsplit("/", 1)[-1]

    def has_provider_config(self, address: str) -> bool:
        return address in self.provider_configs or address in self.configuration_aliases


_PROVIDER_REF = re.compile(rf"^({_IDENT})(?:\.({_IDENT}))?$")


def _provider_ref(value: Any) -> str | None:
    """`aws` / `aws.east` from python-hcl2 ('aws', '${aws.east}'); None if not one."""
    if not isinstance(value, str):
        return None
    text = _strip_interpolation(value)
    return text if _PROVIDER_REF.match(text) else None


def _undeclared_alias(address: str) -> str:
    name, alias = address.split(".", 1)
    return (
        f'no `provider "{name}"` block with alias = "{alias}" and no configuration_aliases '
        f"entry {address} in this module"
    )


def _declarations(module_dir: str, files: dict[str, dict], errors: list[str]) -> _Module:
    mod = _Module()

    def declare(table: dict, key: Any, value: Any, where: str, what: str) -> None:
        if key in table:
            errors.append(f"{where}: {what}: declared more than once")
        table[key] = value

    for file_name, parsed in files.items():
        where = _file(module_dir, file_name)
        for (name,), body in _blocks(parsed, "variable", 1):
            declare(mod.variables, name, (where, body), where, f"variable.{name}")
        for (name,), body in _blocks(parsed, "output", 1):
            declare(mod.outputs, name, (where, body), where, f"output.{name}")
        for (name,), body in _blocks(parsed, "module", 1):
            declare(mod.calls, name, (where, body), where, f"module.{name}")
        for (tf_type, name), _body in _blocks(parsed, "resource", 2):
            declare(mod.resources, (tf_type, name), where, where, f"{tf_type}.{name}")
        for (tf_type, name), _body in _blocks(parsed, "data", 2):
            declare(mod.data, (tf_type, name), where, where, f"data.{tf_type}.{name}")
        for (), body in _blocks(parsed, "locals", 0):
            for name in body:
                if name != MARK:
                    declare(mod.locals, name, where, where, f"local.{name}")
        for (name,), body in _blocks(parsed, "provider", 1):
            alias = body.get("alias")
            if alias is None:
                address = name
            elif isinstance(alias, str) and _PROVIDER_REF.match(_unquote(alias)) and alias.startswith('"'):
                address = f"{name}.{_unquote(alias)}"
            else:
                errors.append(f"{where}: provider.{name}: alias: must be a string literal name, got {alias!r}")
                continue
            declare(mod.provider_configs, address, where, where, f"provider.{address}")
        for (), body in _blocks(parsed, "terraform", 0):
            _terraform_declarations(body, where, mod, errors, declare)
    return mod


def _terraform_declarations(body: dict, where: str, mod: _Module, errors: list[str], declare) -> None:
    """`required_providers` of a `terraform` block: sources and configuration_aliases."""
    required = body.get("required_providers")
    if required is None:
        return
    if not _is_block_list(required):
        errors.append(f"{where}: terraform.required_providers: must be a block")
        return
    for block in required:
        for local_name, spec in block.items():
            if local_name == MARK:
                continue
            prefix = f"{where}: terraform.required_providers.{local_name}"
            if not isinstance(spec, dict):
                errors.append(f"{prefix}: must be an object {{ source = ..., version = ... }}")
                continue
            unknown = set(spec) - {"source", "version", "configuration_aliases"}
            for key in sorted(unknown):
                errors.append(f"{prefix}.{key}: unknown argument")
            source = spec.get("source")
            if isinstance(source, str) and source.startswith('"'):
                mod.provider_sources[local_name] = _unquote(source)
            elif source is not None:
                errors.append(f"{prefix}.source: must be a string literal")
            aliases = spec.get("configuration_aliases")
            if aliases is None:
                continue
            if not isinstance(aliases, list):
                errors.append(f"{prefix}.configuration_aliases: must be a list like [{local_name}.<alias>]")
                continue
            for entry in aliases:
                address = _provider_ref(entry)
                if address is None or "." not in address or address.split(".")[0] != local_name:
                    errors.append(
                        f"{prefix}.configuration_aliases: {entry!r} is not a {local_name}.<alias> reference"
                    )
                    continue
                declare(mod.configuration_aliases, address, where, where, f"configuration_aliases {address}")


def _module_source_dir(module_dir: str, body: dict) -> str | None:
    """Tree key of a local module source, or None when not a local path."""
    source = body.get("source")
    if not isinstance(source, str):
        return None
    source = _unquote(source)
    if not source.startswith(("./", "../")):
        return None
    parts: list[str] = [] if module_dir == "." else module_dir.split("/")
    for part in source.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or "."


def _without(body: dict, *keys: str) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


def _resource_expressions(body: dict) -> dict:
    """A resource/data body minus what is not an expression: `provider` (a
    provider reference) and `lifecycle.ignore_changes` (attribute paths)."""
    body = _without(body, "provider")
    lifecycle = body.get("lifecycle")
    if _is_block_list(lifecycle):
        body["lifecycle"] = [_without(block, "ignore_changes") for block in lifecycle]
    return body


def _scan_items(files: dict[str, dict], module_dir: str) -> Iterator[tuple[str, str, Any, bool]]:
    """(file, address, value, counts_as_use) for every expression-bearing block."""
    for file_name, parsed in files.items():
        where = _file(module_dir, file_name)
        for (name,), body in _blocks(parsed, "variable", 1):
            # A variable's own validation may mention it; that is not a use.
            yield where, f"variable.{name}", body, False
        for (name,), body in _blocks(parsed, "output", 1):
            yield where, f"output.{name}", body, True
        for (name,), body in _blocks(parsed, "module", 1):
            yield where, f"module.{name}", _without(body, "providers"), True
        for (tf_type, name), body in _blocks(parsed, "resource", 2):
            yield where, f"{tf_type}.{name}", _resource_expressions(body), True
        for (tf_type, name), body in _blocks(parsed, "data", 2):
            yield where, f"data.{tf_type}.{name}", _resource_expressions(body), True
        for (), body in _blocks(parsed, "locals", 0):
            for name, value in body.items():
                if name != MARK:
                    yield where, f"local.{name}", value, True
        for (name,), body in _blocks(parsed, "provider", 1):
            alias = body.get("alias")
            address = f"{name}.{_unquote(alias)}" if isinstance(alias, str) else name
            yield where, f"provider.{address}", body, True


def reference_errors(
    root: Path, schema_path: Path | str | Iterable[Path | str] | None = None
) -> list[str]:
    """Dangling references, provider configurations, module wiring, and
    variable/output hygiene.

    The schemas are only used to check the attribute named after a resource or
    data source reference (``aws_kms_key.this.<attr>``).
    """
    tree = load_tree(root)
    schemas = load_schemas(schema_path)
    errors: list[str] = []
    modules = {module_dir: _declarations(module_dir, files, errors) for module_dir, files in tree.items()}

    for module_dir, files in tree.items():
        mod = modules[module_dir]
        used_vars: set[str] = set()

        for where, address, value, counts in _scan_items(files, module_dir):
            prefix = f"{where}: {address}"
            for skeleton, bound in scoped_expressions(value):
                for ref in references(skeleton, bound):
                    message = _check_reference(ref, mod, modules, module_dir, schemas)
                    if message:
                        errors.append(f"{prefix}: {message}")
                    if ref.kind == "var" and counts:
                        used_vars.add(ref.name)

        for file_name, parsed in files.items():
            where = _file(module_dir, file_name)
            for kind in ("resource", "data"):
                for (tf_type, name), body in _blocks(parsed, kind, 2):
                    if "provider" in body:
                        address = f"{tf_type}.{name}" if kind == "resource" else f"data.{tf_type}.{name}"
                        message = _check_provider_argument(body["provider"], kind, tf_type, mod)
                        if message:
                            errors.append(f"{where}: {address}: {message}")

        for name, (where, body) in sorted(mod.variables.items()):
            if name not in used_vars:
                errors.append(f"{where}: variable.{name}: declared but never used")
            if _unquote(str(body.get("description", ""))).strip() == "":
                errors.append(f"{where}: variable.{name}: missing description")
            if "type" not in body:
                errors.append(f"{where}: variable.{name}: missing type")
        for name, (where, body) in sorted(mod.outputs.items()):
            if _unquote(str(body.get("description", ""))).strip() == "":
                errors.append(f"{where}: output.{name}: missing description")
            if "value" not in body:
                errors.append(f"{where}: output.{name}: missing value")

        for name, (where, body) in sorted(mod.calls.items()):
            errors.extend(_check_module_call(name, where, body, module_dir, modules))
    return errors


def _check_provider_argument(value: Any, kind: str, tf_type: str, mod: _Module) -> str | None:
    """`provider = aws` / `provider = aws.<alias>` on a resource or data block."""
    address = _provider_ref(value)
    if address is None:
        return f"provider: {value!r} is not a provider reference (write `provider = aws.<alias>`)"
    local_name = address.split(".")[0]
    if mod.provider_type(local_name) != _type_provider(tf_type):
        noun = "resource" if kind == "resource" else "data source"
        return f"provider = {address}: {tf_type} is not a {noun} type of provider {local_name}"
    if "." in address and not mod.has_provider_config(address):
        return f"provider = {address}: {_undeclared_alias(address)}"
    return None


def _check_reference(
    ref: Reference, mod: _Module, modules: dict[str, _Module], module_dir: str, schemas: dict[str, dict]
) -> str | None:
    if ref.kind == "var":
        if ref.name not in mod.variables:
            return f"var.{ref.name}: no `variable \"{ref.name}\"` in this module"
    elif ref.kind == "local":
        if ref.name not in mod.locals:
            return f"local.{ref.name}: not defined in a `locals` block of this module"
    elif ref.kind == "module":
        call = mod.calls.get(ref.name)
        if call is None:
            return f"module.{ref.name}: no `module \"{ref.name}\"` block in this module"
        child_dir = _module_source_dir(module_dir, call[1])
        if ref.attribute and child_dir in modules and ref.attribute not in modules[child_dir].outputs:
            return f"module.{ref.name}.{ref.attribute}: {child_dir} has no output \"{ref.attribute}\""
    else:
        table = mod.resources if ref.kind == "resource" else mod.data
        shown = f"{ref.type}.{ref.name}" if ref.kind == "resource" else f"data.{ref.type}.{ref.name}"
        if (ref.type, ref.name) not in table:
            return f"{shown}: not declared in this module"
        section = "resources" if ref.kind == "resource" else "data_sources"
        type_schema = _type_schema(schemas, section, ref.type)
        if type_schema and ref.attribute and ref.attribute not in ALWAYS_REFERENCEABLE:
            if ref.attribute not in type_schema["attributes"] and ref.attribute not in type_schema["blocks"]:
                return f"{shown}.{ref.attribute}: {ref.type} has no attribute \"{ref.attribute}\""
    return None


def _check_module_call(
    name: str, where: str, body: dict, module_dir: str, modules: dict[str, _Module]
) -> list[str]:
    prefix = f"{where}: module.{name}"
    child_dir = _module_source_dir(module_dir, body)
    if child_dir is None:
        return [f"{prefix}: source {body.get('source')!r} is not a local path; cannot check it"]
    child = modules.get(child_dir)
    if child is None:
        return [f"{prefix}: source directory {child_dir} has no .tf files"]
    errors = []
    given = {key for key in body if key != MARK and key not in MODULE_META_ARGUMENTS}
    for key in sorted(given - set(child.variables)):
        errors.append(f"{prefix}.{key}: {child_dir} declares no variable \"{key}\"")
    for var_name, (_var_where, var_body) in sorted(child.variables.items()):
        if "default" not in var_body and var_name not in given:
            errors.append(f"{prefix}: required input \"{var_name}\" of {child_dir} is not set")
    errors.extend(_check_module_providers(prefix, body, child_dir, child, modules[module_dir]))
    return errors


def _check_module_providers(
    prefix: str, body: dict, child_dir: str, child: _Module, parent: _Module
) -> list[str]:
    """`providers = { <child address> = <address here> }` against both modules.

    Unaliased providers are inherited without it; every configuration alias of
    the child must be passed (Terraform: "No configuration for provider").
    """
    errors: list[str] = []
    providers = body.get("providers", {})
    if not isinstance(providers, dict):
        return [f"{prefix}: providers: must be a map {{ <provider in {child_dir}> = <provider here> }}"]
    passed: set[str] = set()
    for key, value in providers.items():
        if key == MARK:
            continue
        inner, outer = _provider_ref(key), _provider_ref(value)
        if inner is None or outer is None:
            errors.append(f"{prefix}: providers: {key!r} = {value!r} is not a provider mapping")
            continue
        passed.add(inner)
        entry = f"{prefix}: providers: {inner} = {outer}"
        if child.provider_type(inner.split(".")[0]) != parent.provider_type(outer.split(".")[0]):
            errors.append(f"{entry}: different providers")
        if "." in inner and inner not in child.configuration_aliases:
            errors.append(f"{entry}: {child_dir} has no configuration_aliases entry {inner}")
        if "." in outer and not parent.has_provider_config(outer):
            errors.append(f"{entry}: {_undeclared_alias(outer)}")
    for address in sorted(set(child.configuration_aliases) - passed):
        errors.append(
            f"{prefix}: providers: {child_dir} needs a configuration for {address} "
            f"(configuration_aliases); pass it as `{address} = <provider>`"
        )
    return errors
