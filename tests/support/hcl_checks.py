"""Static checks over a rendered Terraform tree, without running Terraform.

A rendered tree is a root module (``*.tf`` in the root directory) whose
``module "x" { source = "./modules/x" }`` blocks point at child modules
(``modules/<name>/{main,variables,outputs}.tf``, optionally ``versions.tf``).
Every directory holding ``.tf`` files is one Terraform module; all its files
are read together.

What Terraform itself checks -- argument names and types, required arguments, block counts,
resource types, dangling references, module inputs, provider wiring -- is left to Terraform: every
rendered example goes through ``terraform validate``/``plan``/``apply`` on the stand-in provider, which
serves the committed schemas (tests/test_terraform_cycle.py, whose breakage tests prove each of those
failures).  What remains here is what Terraform accepts but a reviewer would not, and the HCL reading
that tests/support/sagemaker_checks.py builds on.

Public functions (pure; they only read files):

* ``load_tree(root) -> {module_dir: {file_name: parsed_hcl}}``
* ``hygiene_errors(root) -> [str]`` -- variables declared but never used, variables without
  description or type, outputs without description.
* ``references`` / ``scoped_expressions`` / ``value_expressions`` -- the expression scanner.

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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

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
            elif directive.startswith(("if ", "if(")):
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
# Module hygiene
# --------------------------------------------------------------------------


def _declared(files: dict[str, dict], module_dir: str, kind: str) -> dict[str, tuple[str, dict]]:
    """`variable` / `output` blocks of one module: name -> (file, body)."""
    found: dict[str, tuple[str, dict]] = {}
    for file_name, parsed in files.items():
        for (name,), body in _blocks(parsed, kind, 1):
            found[name] = (_file(module_dir, file_name), body)
    return found


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


def _uses(files: dict[str, dict]) -> Iterator[Any]:
    """Every expression-bearing value that can use a variable (a variable's own
    validation mentioning it is not a use)."""
    for parsed in files.values():
        for _, body in _blocks(parsed, "output", 1):
            yield body
        for _, body in _blocks(parsed, "module", 1):
            yield _without(body, "providers")
        for kind in ("resource", "data"):
            for _, body in _blocks(parsed, kind, 2):
                yield _resource_expressions(body)
        for _, body in _blocks(parsed, "locals", 0):
            yield _without(body, MARK)
        for _, body in _blocks(parsed, "provider", 1):
            yield body


def hygiene_errors(root: Path) -> list[str]:
    """What Terraform accepts but a reviewer would not (terraform-aws-modules conventions): a variable
    declared and never used, a variable without description or type, an output without description."""
    errors: list[str] = []
    for module_dir, files in load_tree(root).items():
        used = {
            ref.name
            for value in _uses(files)
            for skeleton, bound in scoped_expressions(value)
            for ref in references(skeleton, bound)
            if ref.kind == "var"
        }
        for name, (where, body) in sorted(_declared(files, module_dir, "variable").items()):
            if name not in used:
                errors.append(f"{where}: variable.{name}: declared but never used")
            if _unquote(str(body.get("description", ""))).strip() == "":
                errors.append(f"{where}: variable.{name}: missing description")
            if "type" not in body:
                errors.append(f"{where}: variable.{name}: missing type")
        for name, (where, body) in sorted(_declared(files, module_dir, "output").items()):
            if _unquote(str(body.get("description", ""))).strip() == "":
                errors.append(f"{where}: output.{name}: missing description")
    return errors


def module_call(tree: dict, key: str) -> dict:
    """The arguments of module block ``key`` in the root's main.tf (where the config's literal values sit),
    argument names unquoted."""
    (body,) = [v for m in tree["."]["main.tf"]["module"] for k, v in m.items() if k.strip('"') == key]
    return {k.strip('"'): v for k, v in body.items()}
