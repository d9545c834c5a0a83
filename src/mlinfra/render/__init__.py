"""Render context → ``{PurePosixPath: text}``: pure, no disk writes, no network.

Every ``{{ expression }}`` in a ``.tf`` template passes through :func:`~mlinfra.render.hcl.hcl` (the
environment's ``finalize``), so a value can only ever appear as an escaped HCL literal or as a
precomputed reference. Markdown templates get a Markdown-escaping finalize instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..expr import Ref
from ..records import record
from .blocks import blocks
from .fmt import format_hcl
from .hcl import hcl, hcl_block_list, hcl_block_map, hcl_nested

if TYPE_CHECKING:
    import jinja2

    from ..context import RootContext

Tree = dict[PurePosixPath, str]


class Text(str):
    """Already-rendered output (of a filter): ``finalize`` passes it through unchanged."""


@record
class Stack:
    """One root module of a split tree (the config's ``stacks:`` section): its own folder, state and apply.

    ``needs`` are the stacks applied before it and destroyed after it: those whose outputs it reads
    (through ``terraform_remote_state``) and those whose objects it calls by name (a route's endpoint)."""

    name: str  # "shared", "endpoints-1", "fraud", "front"
    directory: PurePosixPath  # the root module's folder in the output, e.g. PurePosixPath("shared")
    needs: tuple[str, ...] = ()  # names of the stacks applied before it, in apply order
    modules: tuple[str, ...] = ()  # keys of the module blocks its root calls, in the root's order
    endpoints: tuple[str, ...] = ()  # the config's names of the endpoints it deploys, in config order


@record
class Rendered:
    files: Tree
    modules: int
    resources: int
    endpoints: int
    #: The root modules of a split tree, in an order that applies each after the stacks it needs; empty
    #: for the single root (the tree's root is the output folder itself).
    stacks: tuple[Stack, ...] = ()


def templates_dir() -> Path:
    """Installed wheels carry the templates inside the package; a source checkout has them at the top."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def render_context(ctx: RootContext, diagram: str | None = None) -> Rendered:
    """Every file of the tree for a laid-out context (the pipeline is :mod:`mlinfra.pipeline`).

    ``diagram``, the platform as Mermaid text (:mod:`mlinfra.diagram`, escaped there), becomes the root
    README's "Platform" section."""
    files: Tree = {}
    root = {"ctx": ctx, "plan": ctx.plan}
    resources = _render_root(ctx, PurePosixPath("."), files)
    endpoints = ctx.endpoints
    files[PurePosixPath("README.md")] = _render(
        "root/README.md.j2",
        {**root, "resources": resources, "endpoints": endpoints, "diagram": Text(diagram) if diagram else None},
    )
    return Rendered(
        files=dict(sorted(files.items())),
        modules=len(ctx.modules),
        resources=resources,
        endpoints=endpoints,
    )


def render_stacks(
    platform: RootContext, stacks: Sequence[tuple[Stack, RootContext]], diagram: str | None = None
) -> Rendered:
    """Every file of a split tree: one root module per stack in its folder (``stack.directory``), the
    modules' folders once beside them (``modules/``), and a README at the top that lists the stacks in the
    order to apply them. ``platform`` is the whole laid-out context (its README sections, its plan)."""
    files: Tree = {}
    counts: dict[str, int] = {}
    for stack, ctx in stacks:
        counts[stack.name] = _render_root(ctx, stack.directory, files)
        files[stack.directory / "README.md"] = _render(
            "root/stack_README.md.j2",
            {"ctx": ctx, "plan": ctx.plan, "stack": stack, "resources": counts[stack.name]},
        )
    resources = sum(counts.values())
    files[PurePosixPath("README.md")] = _render(
        "root/stacks_README.md.j2",
        {
            "ctx": platform,
            "plan": platform.plan,
            "stacks": [(stack, ctx, counts[stack.name]) for stack, ctx in stacks],
            "resources": resources,
            "endpoints": platform.endpoints,
            "diagram": Text(diagram) if diagram else None,
        },
    )
    return Rendered(
        files=dict(sorted(files.items())),
        modules=len(platform.modules),
        resources=resources,
        endpoints=platform.endpoints,
        stacks=tuple(stack for stack, _ in stacks),
    )


def _render_root(ctx: RootContext, at: PurePosixPath, files: Tree) -> int:
    """A root module's files into ``files`` (in folder ``at``; its modules under ``modules/`` of the
    output); how many resources the root and its modules deploy."""
    root = {"ctx": ctx, "plan": ctx.plan}
    for name in ("versions.tf", "providers.tf", "main.tf", "outputs.tf"):
        files[at / name] = _render(f"root/{name}.j2", root)
    if ctx.plan.backend is not None:
        files[at / "backend.tf"] = _render("root/backend.tf.j2", root)
    # Root moved blocks: objects that changed module, and the addresses of calls of a shared module
    # (the module's own moved.tf cannot name one call's objects).
    root_moves: list[tuple[str, str]] = [move for mod in ctx.modules for move in mod.moved_in]
    # Deployed resources: a block with for_each over a module variable counts once per instance (the
    # certificate's validation records, one per domain, count once).
    resources = sum(b.kind == "resource" for b in blocks(files[at / "main.tf"]))
    for mod in ctx.modules:
        base = PurePosixPath("modules") / mod.directory
        values = {"mod": mod, **mod.values}
        own: Tree = {}
        own[base / "main.tf"] = _render(f"modules/{mod.template}/main.tf.j2", values)
        own[base / "variables.tf"] = _render("common/variables.tf.j2", values)
        own[base / "outputs.tf"] = _render("common/outputs.tf.j2", values)
        own[base / "versions.tf"] = _render(
            "common/versions.tf.j2", {**values, "required_version": ctx.module_terraform_version}
        )
        if mod.moved and not mod.folder:
            own[base / "moved.tf"] = _render("common/moved.tf.j2", values)
        root_moves.extend(
            (f"module.{mod.key}.{old}", f"module.{mod.key}.{new}") for old, new in (mod.moved if mod.folder else ())
        )
        for rel, text in mod.files.items():
            own[base / rel] = text
        inside = list(blocks(own[base / "main.tf"]))
        kinds = sorted({("data." if b.kind == "data" else "") + b.type for b in inside})
        own[base / "README.md"] = _render("common/README.md.j2", {**values, "kinds": kinds, "count": len(inside)})
        resources += sum(mod.instances[b.for_each] if b.for_each else 1 for b in inside if b.kind == "resource")
        for path, text in own.items():
            # One folder, many module blocks: the module's text cannot depend on which call rendered it.
            if files.setdefault(path, text) != text:
                raise RenderError(f"modules/{mod.directory} renders differently for module {mod.key}: {path}")
    static_moves = [
        (f"module.{m.key}.{old}", f"module.{m.key}.{new}") for m in ctx.modules for old, new in m.moved_at_root
    ]
    if root_moves or static_moves:
        files[at / "moved.tf"] = _render(
            "root/moved.tf.j2", {**root, "moves": root_moves, "static_moves": static_moves}
        )
    return resources


def _render(name: str, values: dict[str, object]) -> str:
    import jinja2

    env = _environment("md" if name.endswith(".md.j2") else "tf")
    try:
        text = env.get_template(name).render(values)
    except jinja2.TemplateError as exc:  # a bug in mlinfra, never in the user's config
        raise RenderError(f"template {name}: {exc}") from exc
    return format_hcl(text) if name.endswith(".tf.j2") else text.strip("\n") + "\n"


@functools.cache
def _environment(kind: str) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize_tf if kind == "tf" else _finalize_md,
    )
    env.filters["block_map"] = lambda value, indent: Text(hcl_block_map(value, indent))
    env.filters["block_list"] = lambda value, indent: Text(hcl_block_list(value, indent))
    env.filters["nested"] = lambda value, indent: Text(hcl_nested(value, indent))
    env.filters["comment"] = lambda value: Text(" ".join(str(value).split()))
    env.filters["ident"] = _ident
    # A Markdown code span (identifiers and type constraints: never a backtick inside).
    env.filters["code"] = lambda value: Text("`" + str(value).replace("`", "") + "`")
    # ref("aws_sagemaker_model", key, "name") -> aws_sagemaker_model.<key>.name, from identifiers only.
    env.globals["ref"] = lambda *parts: Ref(".".join(_ident(p) for p in parts))
    env.globals["expr"] = Ref  # a whole reference such as aws.us_east_1, checked by Ref's pattern
    env.filters["tftype"] = _tftype
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, cached per user: compiling them is most of a render's time.

    Jinja keys each entry by the template's source checksum, so an edited template is compiled again;
    the output never depends on the cache. ``MLINFRA_NO_CACHE=1`` (or an unwritable folder) turns it off.
    """
    import os

    import jinja2

    if os.environ.get("MLINFRA_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlinfra" / "jinja"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(base)) if os.access(base, os.W_OK) else None


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A variable type: a primitive, a collection of a type, or an object of named attribute types.
_PRIMITIVE = re.compile(r"(string|number|bool)")
_COLLECTION = re.compile(r"(list|map|set|optional)\(")
_ATTRIBUTE = re.compile(r"([a-z_][a-z0-9_]*) = ")


def _ident(value: str) -> Text:
    if not _IDENT.match(value):
        raise ValueError(f"not a Terraform identifier: {value!r}")
    return Text(value)


@functools.cache
def _tftype(value: str) -> Text:
    """A Terraform type constraint, checked against the grammar mlinfra emits (never user text), and laid
    out as written by hand: objects one attribute per line, at the variable's two-space indent."""

    def parse(at: int) -> tuple[int, str | tuple]:
        if m := _PRIMITIVE.match(value, at):
            return m.end(), m[1]
        if m := _COLLECTION.match(value, at):
            end, inner = parse(m.end())
            if value[end : end + 1] != ")":
                raise ValueError
            return end + 1, (m[1], inner)
        if value.startswith("object({", at):
            at += len("object({")
            attributes = []
            while not value.startswith("})", at):
                m = _ATTRIBUTE.match(value, at)
                if m is None:
                    raise ValueError
                at, inner = parse(m.end())
                attributes.append((m[1], inner))
                if value.startswith(", ", at):
                    at += 2
                elif not value.startswith("})", at):
                    raise ValueError
            return at + 2, ("object", attributes)
        raise ValueError

    def show(node: str | tuple, indent: int) -> str:
        if isinstance(node, str):
            return node
        kind, inner = node
        if kind != "object":
            return f"{kind}({show(inner, indent)})"
        pad = " " * (indent + 2)
        return (
            "object({\n" + "".join(f"{pad}{name} = {show(t, indent + 2)}\n" for name, t in inner) + " " * indent + "})"
        )

    try:
        end, tree = parse(0)
        if end != len(value):
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"not a variable type mlinfra emits: {value!r}") from None
    return Text(show(tree, 2))


def _finalize_tf(value: object) -> str:
    return value if isinstance(value, Text) else hcl(value)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _finalize_md(value: object) -> str:
    if isinstance(value, Text):
        return value
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
