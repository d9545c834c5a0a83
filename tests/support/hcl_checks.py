"""Static checks over a rendered Terraform tree, without running Terraform.

A rendered tree is a root module (``*.tf`` in the root directory) whose
``module "x" { source = "./modules/x" }`` blocks point at child modules
(``modules/<name>/{main,variables,outputs}.tf``).  Every directory holding
``.tf`` files is one Terraform module; all its files are read together.

Public functions (pure; they only read files):

* ``load_tree(root) -> {module_dir: {file_name: parsed_hcl}}``
* ``schema_errors(root, schema_path=DEFAULT_SCHEMA) -> [str]`` -- resources and
  data sources against the committed provider schema
  (``tests/schema/aws-provider-6.25.0.json``, made by
  ``tools/provider_schema/extract.py``).
* ``reference_errors(root, schema_path=DEFAULT_SCHEMA) -> [str]`` -- ``var.``/``local.``/``module.``/resource
  references, module inputs, unused variables, missing descriptions/types.

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
  Lone bare identifiers stay bare: ``type = string`` -> ``'string'``.
  Numbers, booleans and ``null`` become Python values.
* Heredocs become one quoted string *without* escaping their inner quotes:
  ``'"<<EOT\n{"a": "${var.x}"}\nEOT"'``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import hcl2

DEFAULT_SCHEMA = Path(__file__).resolve().parents[1] / "schema" / "aws-provider-6.25.0.json"

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


@functools.lru_cache(maxsize=4)
def _load_schema(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def schema_errors(root: Path, schema_path: Path | str = DEFAULT_SCHEMA) -> list[str]:
    """Check every resource/data block of every module against the schema."""
    schema = _load_schema(str(schema_path))
    errors: list[str] = []
    for module_dir, files in load_tree(root).items():
        for file_name, parsed in files.items():
            where = _file(module_dir, file_name)
            for kind, section in (("resource", "resources"), ("data", "data_sources")):
                for (tf_type, name), body in _blocks(parsed, kind, 2):
                    address = f"{tf_type}.{name}" if kind == "resource" else f"data.{tf_type}.{name}"
                    prefix = f"{where}: {address}"
                    type_schema = schema[section].get(tf_type)
                    if type_schema is None:
                        errors.append(f"{prefix}: {_unknown_type_message(kind, tf_type, schema)}")
                        continue
                    errors.extend(f"{prefix}: {e}" for e in _check_top_level(body, type_schema))
    return errors


def _unknown_type_message(kind: str, tf_type: str, schema: dict) -> str:
    noun = "resource" if kind == "resource" else "data source"
    if tf_type.startswith("aws_"):
        return (
            f"{noun} type {tf_type} is not in the committed schema for "
            f"{schema['provider']} {schema['version']} (unknown, or not yet listed in "
            "tools/provider_schema/extract.py)"
        )
    return f"{noun} type {tf_type} does not belong to {schema['provider']}"


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
    if spec["nesting"] == "single" and count > 1:
        errors.append(f"{path}: block may appear at most once, found {count}")
    elif "max_items" in spec and count > spec["max_items"]:
        errors.append(f"{path}: at most {spec['max_items']} blocks allowed, found {count}")
    if count < spec.get("min_items", 0):
        errors.append(f"{path}: at least {spec['min_items']} blocks required, found {count}")
    for index, occurrence in enumerate(occurrences):
        sub = f"{path}[{index}]" if spec["nesting"] == "list" else path
        errors.extend(_check_body(occurrence, spec["block"], sub))
    return errors


# --------------------------------------------------------------------------
# Expression scanning
# --------------------------------------------------------------------------


def _template_expressions(body: str, out: list[str]) -> None:
    """Collect the expressions of a template body (string or heredoc content).

    Text is literal except ``${...}`` interpolations and ``%{...}`` directives;
    ``$${`` and ``%%{`` are escapes for a literal ``${`` / ``%{``.
    """
    i = 0
    while i < len(body):
        if body.startswith(("$${", "%%{"), i):
            i += 3
        elif body.startswith(("${", "%{"), i):
            expression, i = _read_expression(body, i + 2, out, closing=True)
            out.append(expression)
        else:
            i += 1


def _read_expression(text: str, i: int, out: list[str], closing: bool) -> tuple[str, int]:
    """Read an expression from text[i:]; return (skeleton, index after it).

    The skeleton is the expression with every string literal replaced by ``""``
    so that literal text ("arn:aws:s3:::bucket", "sagemaker:InvokeEndpoint")
    can never look like a reference; expressions interpolated inside those
    literals are appended to ``out``.  With closing=True, reading stops after
    the ``}`` that closes the enclosing ``${``/``%{``.
    """
    parts: list[str] = []
    depth = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                if text[j] == "\\":
                    j += 2
                elif text.startswith(("$${", "%%{"), j):
                    j += 3
                elif text.startswith(("${", "%{"), j):
                    inner, j = _read_expression(text, j + 2, out, closing=True)
                    out.append(inner)
                else:
                    j += 1
            parts.append('""')
            i = j + 1
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


def value_expressions(value: Any) -> list[str]:
    """Skeletons of every expression in a python-hcl2 value (see module docstring)."""
    out: list[str] = []

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == MARK:
                    continue
                if isinstance(key, str) and key.startswith("${"):  # `(expr) = value` map keys
                    visit(key)
                visit(inner)
        elif isinstance(item, list):
            for inner in item:
                visit(inner)
        elif isinstance(item, str):
            if len(item) >= 2 and item[0] == item[-1] == '"':
                body = item[1:-1]
                if body.startswith("<<"):
                    # Heredoc: drop the `<<EOT` / `<<-EOT` opener and closing marker.
                    lines = body.split("\n")
                    body = "\n".join(lines[1:-1])
                _template_expressions(body, out)
            elif item.startswith("${") and item.endswith("}"):
                skeleton, _ = _read_expression(item[2:-1], 0, out, closing=False)
                out.append(skeleton)
            else:
                skeleton, _ = _read_expression(item, 0, out, closing=False)
                out.append(skeleton)

    visit(value)
    return out


_IDENT = r"[A-Za-z_][\w-]*"  # HCL identifiers may contain dashes
# A reference starts where no identifier, `.` or `-` precedes it (so
# `each.value.aws_x.y`, `foo.var.x` and `aws_iam_role.r.var.x` are not heads).
_REF_HEAD = re.compile(
    rf"(?<![\w.\-])(?:"
    rf"(?P<scope>var|local)\.(?P<scope_name>{_IDENT})"
    rf"|module\.(?P<module>{_IDENT})"
    rf"|data\.(?P<data_type>{_IDENT})\.(?P<data_name>{_IDENT})"
    rf"|(?P<res_type>aws_[\w-]+)\.(?P<res_name>{_IDENT})"
    rf")"
)


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


def references(skeleton: str) -> list[Reference]:
    refs: list[Reference] = []
    for m in _REF_HEAD.finditer(skeleton):
        after = _attribute_after(skeleton, m.end())
        if m.group("scope"):
            refs.append(Reference(m.group("scope"), m.group("scope_name")))
        elif m.group("module"):
            refs.append(Reference("module", m.group("module"), attribute=after))
        elif m.group("data_type"):
            refs.append(Reference("data", m.group("data_name"), m.group("data_type"), after))
        else:
            refs.append(Reference("resource", m.group("res_name"), m.group("res_type"), after))
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
    return mod


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
            yield where, f"module.{name}", body, True
        for (tf_type, name), body in _blocks(parsed, "resource", 2):
            yield where, f"{tf_type}.{name}", body, True
        for (tf_type, name), body in _blocks(parsed, "data", 2):
            yield where, f"data.{tf_type}.{name}", body, True
        for (), body in _blocks(parsed, "locals", 0):
            for name, value in body.items():
                if name != MARK:
                    yield where, f"local.{name}", value, True
        for (name,), body in _blocks(parsed, "provider", 1):
            yield where, f"provider.{name}", body, True


def reference_errors(root: Path, schema_path: Path | str = DEFAULT_SCHEMA) -> list[str]:
    """Dangling references, module wiring, and variable/output hygiene.

    The schema is only used to check the attribute named after a resource or
    data source reference (``aws_kms_key.this.<attr>``).
    """
    tree = load_tree(root)
    schema = _load_schema(str(schema_path))
    errors: list[str] = []
    modules = {module_dir: _declarations(module_dir, files, errors) for module_dir, files in tree.items()}

    for module_dir, files in tree.items():
        mod = modules[module_dir]
        used_vars: set[str] = set()

        for where, address, value, counts in _scan_items(files, module_dir):
            prefix = f"{where}: {address}"
            for skeleton in value_expressions(value):
                for ref in references(skeleton):
                    message = _check_reference(ref, mod, modules, module_dir, schema)
                    if message:
                        errors.append(f"{prefix}: {message}")
                    if ref.kind == "var" and counts:
                        used_vars.add(ref.name)

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


def _check_reference(
    ref: Reference, mod: _Module, modules: dict[str, _Module], module_dir: str, schema: dict
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
        section = schema["resources" if ref.kind == "resource" else "data_sources"]
        type_schema = section.get(ref.type)
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
    return errors
