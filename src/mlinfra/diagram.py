"""The platform as a picture: a graph built from the typed config, written as Mermaid or Graphviz DOT.

edge (CloudFront, Route 53) → API (its routes) → preprocessing Lambdas → endpoints (variants with their
weights, shadow, async, inference components with their copies); batch (Step Functions → transform job);
monitoring (the monitors of each endpoint); registry (model package group, ECR); the pipeline.

Node ids are generated (``n1``, ``n2``, … in config order), never user text; every label goes through
one escaping function per format. The output is deterministic: it follows the config's order only.
No AWS, no boto3: ``mlinfra diagram`` and ``render`` (the README's "Platform" section) call it offline.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .components.api.section import Api
    from .components.batch.section import Batch
    from .components.monitoring.section import Monitoring
    from .components.pipeline.section import Pipeline
    from .components.preprocessing.section import Route
    from .components.registry.section import Registry
    from .config.shapes import PlatformConfig, Variant

__all__ = ["Graph", "build_graph", "dot", "dot_of", "mermaid", "mermaid_label", "mermaid_of"]


@dataclass
class Graph:
    """Nodes ``(id, label)`` in clusters ``(title, [node ids])``, and edges ``(from, to, label)``."""

    nodes: dict[str, str] = field(default_factory=dict)
    clusters: list[tuple[str, list[str]]] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def node(self, label: str, cluster: list[str] | None = None) -> str:
        nid = f"n{len(self.nodes) + 1}"
        self.nodes[nid] = label
        if cluster is not None:
            cluster.append(nid)
        return nid

    def cluster(self, title: str) -> list[str]:
        members: list[str] = []
        self.clusters.append((title, members))
        return members

    def edge(self, a: str, b: str, label: str = "") -> None:
        self.edges.append((a, b, label))


def _percent(weight: float, total: float) -> str:
    share = 100 * weight / total if total else 0.0
    return f"{share:.1f}".rstrip("0").rstrip(".") + "%"


def _capacity(v: Variant) -> str:
    if v.serverless is not None:
        return f"serverless {v.serverless.memory_mb} MB"
    return f"{v.instance_type} × {v.instance_count or 1}"


def _section(config: PlatformConfig, key: str) -> Any:
    # A component's section read by its key, not through its module: a config validated against the
    # slices it needs has no field for the others, and importing their models would cost more than the
    # whole diagram (see mlinfra.components).
    return getattr(config, key, None)


def build_graph(config: PlatformConfig) -> Graph:
    """The platform's graph, in config order (labels are plain text; the writers escape them)."""
    from .config.shapes import Endpoint

    g = Graph()
    prefix = f"{config.project.name}-{config.project.environment}"
    # Each endpoint's node, and each of its variants' (routes may name one: TargetVariant).
    endpoint_ids: dict[str, str] = {}
    variant_ids: dict[tuple[str, str], str] = {}

    api: Api | None = _section(config, "api")
    routes: list[Route] = _section(config, "routes") or []
    entry: str | None = None
    if api is not None and api.domain is not None:
        edge = g.cluster("edge")
        entry = g.node(f"Route 53: {api.domain}", edge)
        if api.cloudfront:
            cf = g.node("CloudFront", edge)
            g.edge(entry, cf)
            entry = cf
    api_id = None
    if api is not None or routes:
        api_cluster = g.cluster("API")
        api_id = g.node(f"API Gateway (stage {api.stage})" if api else "API Gateway", api_cluster)
        if entry is not None:
            g.edge(entry, api_id)
    route_ids: list[tuple[str, str, str | None]] = []
    if routes:
        pre = g.cluster("preprocessing")
        for r in routes:
            lam = g.node(f"POST {r.path}\n{r.preprocessor} Lambda", pre)
            if api_id is not None:
                g.edge(api_id, lam)
            route_ids.append((lam, r.endpoint, r.variant))

    for ep in config.endpoints:
        box = g.cluster(f"endpoint {ep.name}")
        if isinstance(ep, Endpoint):
            eid = g.node(f"{ep.name}\n{ep.kind} endpoint", box)
            endpoint_ids[ep.name] = eid
            total = sum(v.weight for v in ep.variants)
            for v in ep.variants:
                vid = g.node(f"{v.name}: model {v.model}\n{_capacity(v)}", box)
                variant_ids[(ep.name, v.name)] = vid
                g.edge(eid, vid, _percent(v.weight, total))
            if ep.shadow is not None:
                sid = g.node(f"shadow {ep.shadow.name}: model {ep.shadow.model}\n{_capacity(ep.shadow)}", box)
                g.edge(eid, sid, "shadow copy")
            if ep.async_inference is not None:
                out = g.node(f"S3 async output\n{ep.async_inference.output_path}", box)
                g.edge(eid, out, "results")
        else:
            fleet = ep.fleet
            eid = g.node(f"{ep.name}\ncomponents endpoint\n{fleet.instance_type} × {fleet.instance_count}", box)
            endpoint_ids[ep.name] = eid
            for c in ep.components:
                cid = g.node(f"{c.name}: model {c.model}\n{c.copies} cop{'y' if c.copies == 1 else 'ies'}", box)
                g.edge(eid, cid)

    for lam, ep_name, variant in route_ids:
        target = variant_ids.get((ep_name, variant)) if variant else None
        target = target or endpoint_ids.get(ep_name)
        if target is not None:
            g.edge(lam, target)

    batch: Batch | None = _section(config, "batch")
    if batch is not None:
        box = g.cluster("batch")
        sfn = g.node("Step Functions", box)
        job = g.node(f"transform job: model {batch.model_version}\n{batch.instance_type} × {batch.instance_count}", box)
        g.edge(sfn, job)
        if batch.schedule:
            rule = g.node(f"schedule {batch.schedule}", box)
            g.edge(rule, sfn)

    monitoring: Monitoring | None = _section(config, "monitoring")
    if monitoring is not None and monitoring.endpoints:
        box = g.cluster("monitoring")
        for m in monitoring.endpoints:
            kinds = [
                word
                for word, on in (
                    ("data quality", m.data_quality),
                    ("model quality", m.model_quality),
                    ("bias", m.bias),
                    ("feature attribution", m.feature_attribution),
                )
                if on is not None
            ]
            mid = g.node(f"monitors of {m.endpoint}\n{', '.join(kinds) or 'none'}", box)
            if m.endpoint in endpoint_ids:
                g.edge(endpoint_ids[m.endpoint], mid, "captured data")

    registry: Registry | None = _section(config, "registry")
    registry_id = None
    if registry is not None:
        box = g.cluster("registry")
        registry_id = g.node(f"model package group\n{registry.model_package_group or prefix}", box)
        g.node(f"ECR repository\n{registry.ecr_repository or prefix}", box)

    pipeline: Pipeline | None = _section(config, "pipeline")
    if pipeline is not None:
        box = g.cluster("pipeline")
        src = g.node(f"GitHub {pipeline.source.github.repository}@{pipeline.source.github.branch}", box)
        names = ["build", "plan", "approval", "apply", "canary"]
        if pipeline.canary.full_promotion:
            names += ["approve promotion", "promote"]
        stages = [src] + [g.node(s, box) for s in names]
        for a, b in itertools.pairwise(stages):
            g.edge(a, b)
        if registry_id is not None and pipeline.trigger_on_model_approval:
            g.edge(registry_id, src, "approved model")
        target = pipeline.canary.endpoint or (config.endpoints[0].name if len(config.endpoints) == 1 else None)
        if target in endpoint_ids:
            g.edge(stages[-1], endpoint_ids[target])
    return g


_MERMAID_SPECIAL = re.compile(r'[#"&<>\[\]{}()|`;\\]')


def mermaid_label(text: str) -> str:
    """Plain text as the inside of a quoted Mermaid label: every character Mermaid reads as syntax (quotes,
    brackets, ``#``, ``;``, ``<``, backticks, …) as its entity code ``#<decimal>;``, whitespace as one space."""
    parts = [" ".join(p.split()) for p in text.split("\n")]
    return "<br>".join(_MERMAID_SPECIAL.sub(lambda m: f"#{ord(m[0])};", p) for p in parts)


def mermaid(config: PlatformConfig) -> str:
    """The platform as a Mermaid ``flowchart LR`` (renders on GitHub), ending with a newline."""
    return mermaid_of(build_graph(config))


def mermaid_of(g: Graph) -> str:
    """A graph as Mermaid text: generated ids, every label quoted and escaped by :func:`mermaid_label`."""
    lines = ["flowchart LR"]
    for i, (title, members) in enumerate(g.clusters, 1):
        lines.append(f'  subgraph c{i}["{mermaid_label(title)}"]')
        lines.extend(f'    {nid}["{mermaid_label(g.nodes[nid])}"]' for nid in members)
        lines.append("  end")
    for a, b, label in g.edges:
        lines.append(f'  {a} -->|"{mermaid_label(label)}"| {b}' if label else f"  {a} --> {b}")
    return "\n".join(lines) + "\n"


def _dot_label(text: str) -> str:
    parts = [" ".join(p.split()).replace("\\", "\\\\").replace('"', '\\"') for p in text.split("\n")]
    return "\\n".join(parts)


def dot(config: PlatformConfig) -> str:
    """The platform as a Graphviz DOT digraph (``dot -Tsvg`` draws it), ending with a newline."""
    return dot_of(build_graph(config))


def dot_of(g: Graph) -> str:
    """A graph as DOT text: generated ids, every label a quoted DOT string."""
    lines = ["digraph platform {", "  rankdir=LR;", "  node [shape=box];"]
    for i, (title, members) in enumerate(g.clusters, 1):
        lines.append(f'  subgraph cluster_{i} {{ label="{_dot_label(title)}";')
        lines.extend(f'    {nid} [label="{_dot_label(g.nodes[nid])}"];' for nid in members)
        lines.append("  }")
    for a, b, label in g.edges:
        lines.append(f'  {a} -> {b} [label="{_dot_label(label)}"];' if label else f"  {a} -> {b};")
    lines.append("}")
    return "\n".join(lines) + "\n"
