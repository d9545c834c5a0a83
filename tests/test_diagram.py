"""``mlinfra diagram`` and the rendered README's Platform section: the graph of each example, read back from
the Mermaid text by a small parser that accepts only the grammar the writer may emit."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.diagram import Graph, dot, mermaid, mermaid_label, mermaid_of
from mlinfra.pipeline import load_config
from tests.support.configs import EXAMPLE_DIR, edited, render

runner = CliRunner()

# A quoted label: no quote, bracket, brace, parenthesis, pipe, semicolon, '<', '>', '&' or backtick except
# as an entity code (#<decimal>;) or the line break the writer puts in (<br>).
_LABEL = r'"((?:[^"#\[\]{}()|;<>&`\\]|#\d+;|<br>)*)"'
_HEADER = re.compile(r"flowchart LR")
_SUBGRAPH = re.compile(rf"  subgraph (c\d+)\[{_LABEL}\]")
_NODE = re.compile(rf"    (n\d+)\[{_LABEL}\]")
_END = re.compile(r"  end")
_EDGE = re.compile(rf"  (n\d+) -->(?:\|{_LABEL}\|)? (n\d+)")


def _unescape(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m[1])), label.replace("<br>", "\n"))


def parse(text: str) -> tuple[dict[str, list[str]], set[tuple[str, str, str]]]:
    """Clusters ``{title: [node labels]}`` and edges ``{(from label, to label, edge label)}``; every line
    must match the grammar, every id be declared once, every edge join declared nodes."""
    lines = text.splitlines()
    assert text.endswith("\n") and _HEADER.fullmatch(lines[0]), lines[:1]
    nodes: dict[str, str] = {}
    clusters: dict[str, list[str]] = {}
    edges: set[tuple[str, str, str]] = set()
    current: list[str] | None = None
    for line in lines[1:]:
        if m := _SUBGRAPH.fullmatch(line):
            assert current is None, line
            current = clusters.setdefault(_unescape(m[2]), [])
        elif m := _NODE.fullmatch(line):
            assert current is not None and m[1] not in nodes, line
            nodes[m[1]] = _unescape(m[2])
            current.append(nodes[m[1]])
        elif _END.fullmatch(line):
            assert current is not None, line
            current = None
        elif m := _EDGE.fullmatch(line):
            assert current is None and m[1] in nodes and m[3] in nodes, line
            edges.add((nodes[m[1]], nodes[m[3]], _unescape(m[2] or "")))
        else:
            raise AssertionError(f"not Mermaid the writer emits: {line!r}")
    assert current is None
    return clusters, edges


def diagram_of(name: str) -> tuple[dict[str, list[str]], set[tuple[str, str, str]]]:
    return parse(mermaid(load_config(EXAMPLE_DIR / f"{name}.yaml")))


def test_platform_edge_api_routes_endpoints_batch_monitoring_registry() -> None:
    clusters, edges = diagram_of("platform")
    assert list(clusters) == [
        "edge", "API", "preprocessing", "endpoint inference", "endpoint serverless",
        "batch", "monitoring", "registry",
    ]  # fmt: skip
    api = "API Gateway (stage v1)"
    production = "production: model 1.1.0\nml.g4dn.xlarge × 2"
    canary = "canary: model 1.2.0\nml.g4dn.xlarge × 2"
    inference = "inference\nrealtime endpoint"
    assert edges == {
        ("Route 53: ml.acme-corp.com", "CloudFront", ""),
        ("CloudFront", api, ""),
        (api, "POST /predict/tabular\ntabular Lambda", ""),
        (api, "POST /predict/image\nimage Lambda", ""),
        (api, "POST /predict/text\ntext Lambda", ""),
        ("POST /predict/tabular\ntabular Lambda", inference, ""),
        ("POST /predict/image\nimage Lambda", inference, ""),
        ("POST /predict/text\ntext Lambda", production, ""),  # the route names its variant
        (inference, production, "80%"),
        (inference, canary, "20%"),
        ("serverless\nserverless endpoint", "serverless: model 1.1.0\nserverless 4096 MB", "100%"),
        ("Step Functions", "transform job: model 1.1.0\nml.m5.xlarge × 5", ""),
        (inference, "monitors of inference\ndata quality, model quality, bias, feature attribution", "captured data"),
    }
    assert clusters["registry"] == ["model package group\nmlinfra-prod", "ECR repository\nml-inference"]


def test_weights_are_shares_of_the_endpoints_total(tmp_path: Path) -> None:
    config = edited("platform", tmp_path, ("weight: 80", "weight: 2"), ("weight: 20", "weight: 1"))
    _, edges = parse(mermaid(load_config(config)))
    shares = {(b.split(":")[0], label) for a, b, label in edges if a == "inference\nrealtime endpoint" and "%" in label}
    assert shares == {("production", "66.7%"), ("canary", "33.3%")}


def test_cloudfront_off_route53_points_at_the_api(tmp_path: Path) -> None:
    config = edited("platform", tmp_path, ("  cloudfront: true", "  cloudfront: false"))
    clusters, edges = parse(mermaid(load_config(config)))
    assert clusters["edge"] == ["Route 53: ml.acme-corp.com"]
    assert ("Route 53: ml.acme-corp.com", "API Gateway (stage v1)", "") in edges


def test_serverless_shadow_async() -> None:
    _, edges = diagram_of("serverless")
    assert edges == {("scoring\nserverless endpoint", "main: model 3.4.1\nserverless 2048 MB", "100%")}
    _, edges = diagram_of("shadow")
    assert edges == {
        ("churn\nrealtime endpoint", "production: model 1.4.0\nml.m5.large × 2", "100%"),
        ("churn\nrealtime endpoint", "shadow shadow-v2: model 2.0.0-rc.1\nml.m5.large × 1", "shadow copy"),
    }
    _, edges = diagram_of("async")
    assert ("layout\nasync endpoint", "S3 async output\ns3://acme-docs-async/results/", "results") in edges


def test_inference_components_with_their_copies() -> None:
    clusters, edges = diagram_of("inference-components")
    endpoint = "vision\ncomponents endpoint\nml.g4dn.xlarge × 2"
    assert clusters == {
        "endpoint vision": [
            endpoint,
            "classification: model classification@2.1.0\n1 copy",
            "object-detection: model detection@3.0.0\n1 copy",
        ]
    }
    assert edges == {(endpoint, label, "") for label in clusters["endpoint vision"][1:]}


def test_batch_scheduled_step_functions_transform() -> None:
    clusters, edges = diagram_of("batch")
    assert clusters == {
        "batch": ["Step Functions", "transform job: model 2.3.0\nml.m5.xlarge × 2", "schedule cron(0 2 * * ? *)"]
    }
    assert edges == {
        ("Step Functions", "transform job: model 2.3.0\nml.m5.xlarge × 2", ""),
        ("schedule cron(0 2 * * ? *)", "Step Functions", ""),
    }


def test_monitoring_monitors_per_endpoint() -> None:
    _, edges = diagram_of("monitoring")
    assert (
        "churn\nrealtime endpoint",
        "monitors of churn\ndata quality, model quality, bias, feature attribution",
        "captured data",
    ) in edges


def test_pipeline_stages_end_at_the_canary_endpoint() -> None:
    clusters, edges = diagram_of("pipeline")
    stages = ["GitHub acme/fraud-platform@main", "build", "plan", "approval", "apply", "canary", "approve promotion", "promote"]
    assert clusters["pipeline"] == stages
    assert {(a, b, "") for a, b in itertools.pairwise(stages)} <= edges
    assert ("promote", "scoring\nrealtime endpoint", "") in edges
    assert ("model package group\nfraud-prod", stages[0], "approved model") in edges


HOSTILE = [
    'a"]; click n1 call alert("x") %%',
    "x[y]{z}(w)|v",
    "#quot; #35; & <b>bold</b> `code` ; end",
    "subgraph end\nflowchart TD",
    "back\\slash",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_labels_are_escaped(name: str) -> None:
    assert re.fullmatch(_LABEL, f'"{mermaid_label(name)}"'), mermaid_label(name)
    g = Graph()
    box = g.cluster(name)
    a, b = g.node(name, box), g.node("plain", box)
    g.edge(a, b, name)
    clusters, edges = parse(mermaid_of(g))
    # Read back as written (whitespace within a line collapses to one space; a newline stays a line break).
    want = "\n".join(" ".join(p.split()) for p in name.split("\n"))
    assert edges == {(want, "plain", want)}
    assert list(clusters) == [want]


@pytest.mark.parametrize(
    "bad",
    [
        'flowchart LR\n  subgraph c1["x"]\n    n1["a"b"]\n  end\n',  # a raw quote
        'flowchart LR\n  subgraph c1["x"]\n    n1["a#b"]\n  end\n',  # a raw '#'
        'flowchart LR\n  subgraph c1["x"]\n    n1["a"]\n  end\n  n1 --> n2\n',  # an undeclared node
    ],
)
def test_the_parser_refuses_what_the_writer_must_not_emit(bad: str) -> None:
    with pytest.raises(AssertionError):
        parse(bad)


def test_deterministic_and_dot_has_the_same_graph() -> None:
    config = load_config(EXAMPLE_DIR / "platform.yaml")
    assert mermaid(config) == mermaid(load_config(EXAMPLE_DIR / "platform.yaml"))
    text = dot(config)
    _, edges = diagram_of("platform")
    assert text.startswith("digraph platform {\n") and text.endswith("}\n")
    assert len(re.findall(r"^  n\d+ -> n\d+", text, re.M)) == len(edges)
    assert 'label="production: model 1.1.0\\nml.g4dn.xlarge × 2"' in text


def test_rendered_readme_has_the_platform_section(tmp_path: Path) -> None:
    out = render(EXAMPLE_DIR / "inference-components.yaml", tmp_path / "out")
    readme = (out / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\n## Platform\n.*?\n```mermaid\n(.*?)```\n", readme, re.S)
    assert block is not None
    assert block[1] == mermaid(load_config(EXAMPLE_DIR / "inference-components.yaml"))


def test_cli_prints_mermaid_writes_dot_and_refuses_unknown_formats(tmp_path: Path, monkeypatch) -> None:
    config = EXAMPLE_DIR / "batch.yaml"
    result = runner.invoke(app, ["diagram", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output == mermaid(load_config(config))
    result = runner.invoke(app, ["diagram", "-c", str(config), "--format", "dot", "-o", str(tmp_path / "p.dot")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.dot").read_text(encoding="utf-8") == dot(load_config(config))
    result = runner.invoke(app, ["diagram", str(config), "--format", "png"])
    assert result.exit_code == 2 and "use mermaid or dot" in result.output and "Traceback" not in result.output
    monkeypatch.chdir(tmp_path)  # no mlinfra.yaml here: the default config is missing
    result = runner.invoke(app, ["diagram"])
    assert result.exit_code != 0 and "mlinfra.yaml" in result.output
    help_text = runner.invoke(app, ["diagram", "--help"]).output
    assert "dot -Tsvg" in help_text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_accepts_the_dot(tmp_path: Path) -> None:
    text = dot(load_config(EXAMPLE_DIR / "platform.yaml"))
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0 and "<svg" in proc.stdout, proc.stderr
