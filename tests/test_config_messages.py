"""Every message is in the config's words: many wrong inputs, no pydantic phrasing, one message per problem.

Each field of a full valid config (the real-time one of test_config_realtime) is replaced in turn by
values of every wrong kind; every problem reported must be located, name its field and speak of YAML
values (a list, a mapping, the number 7), never of Python classes or pydantic's validation steps.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mlinfra.errors import ConfigError
from mlinfra.pipeline import load_config
from tests.test_config_realtime import FULL, _setup

# One value of each wrong kind: a list, a mapping, text, a negative number, nothing, a very long text.
WRONG: list[Any] = [[1, 2], {"x": 1}, "text", -3, None, "x" * 300]

# What pydantic says and a user should never read.
PYDANTIC = re.compile(
    r"Input should|instance of|after validation|valid dictionary|should have (at least|at most)|String should|"
    r"should match pattern|\[type=|pydantic|For further information|Value error|Assertion failed|model_type|"
    r"\bdict\b|\bNoneType\b|\bint\b|\bfloat\b|\bstr\b|\bbool\b|\^.*\$"
)
MODEL_CLASSES = re.compile(r"\b(PlatformConfig|Project|StateBackend|ModelVersion|Serverless|AutoScaling|Variant|DataCapture|Alarms|Deployment|AsyncInference|MultiModel|Endpoint|Network|Throttle|Quota|UsagePlan|Api|TabularFeature|TabularSettings|ImageSettings|TextSettings|Route|Preprocessing|Cache|Results)\b")


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    if path:
        yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _put(doc: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def test_no_message_speaks_pydantic(workdir: Path) -> None:
    base = yaml.safe_load(FULL)
    _setup(workdir, FULL)
    seen: dict[str, str] = {}
    for path in _paths(base):
        for wrong in WRONG:
            doc = copy.deepcopy(base)
            _put(doc, path, wrong)
            (workdir / "platform.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
            try:
                load_config(workdir / "platform.yaml")
            except ConfigError as exc:
                problems = exc.problems
            else:
                continue
            keys = [(p.line, p.path) for p in problems]
            assert len(keys) == len(set(keys)), f"{path} = {wrong!r}: two messages for one field: {problems}"
            for p in problems:
                seen.setdefault(p.message, f"{'.'.join(map(str, path))} = {wrong!r}")
                assert p.line is not None, p
    assert len(seen) > 200  # the sweep reaches every kind of field
    bad = {m: where for m, where in seen.items() if PYDANTIC.search(m) or MODEL_CLASSES.search(m.split(":")[0] if "did you mean" in m else m)}
    assert not bad, "messages in pydantic's words:\n" + "\n".join(f"{where}: {m}" for m, where in sorted(bad.items()))


def test_messages_state_the_fix(workdir: Path) -> None:
    cases = {
        ("endpoints", 0, "kind"): ("batch", "must be one of realtime, serverless, multi-model, async, components; got 'batch'"),
        ("endpoints", 0, "deployment", "strategy"): ("canery", 'must be one of canary, linear, all_at_once, rolling; got \'canery\'; did you mean "canary"?'),
        ("endpoints", 0, "variants"): ([1], "must be a mapping of autoscaling, canary_reason, container_startup_health_check_timeout_seconds, inference_ami_version, instance_count, instance_type, "
                                      "managed_instance_scaling, model, model_data_download_timeout_seconds, name, routing, serverless, volume_size_gb, weight, got the number 1"),
        ("endpoints", 0, "variants", 0, "instance_count"): (0, "must be at least 1, got the number 0"),
        ("models",): ([], "must not be empty: add at least one entry"),
        ("project", "tags"): (["a"], "must be a mapping (key: value lines), got a list"),
    }
    base = yaml.safe_load(FULL)
    _setup(workdir, FULL)
    for path, (wrong, expected) in cases.items():
        doc = copy.deepcopy(base)
        _put(doc, path, wrong)
        (workdir / "platform.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        try:
            load_config(workdir / "platform.yaml")
        except ConfigError as exc:
            messages = [p.message for p in exc.problems]
        assert expected in messages, (path, messages)


def test_one_message_per_problem(workdir: Path) -> None:
    """A rolling deployment on a serverless endpoint is one problem, not two."""
    text = FULL.replace(
        "          max_concurrency: 50\n",
        "          max_concurrency: 50\n    deployment:\n      strategy: rolling\n      step_percent: 50\n      rollback_on_alarms: false\n",
        1,
    )
    _setup(workdir, text)
    try:
        load_config(workdir / "platform.yaml")
    except ConfigError as exc:
        codes = [p.code for p in exc.problems]
    assert codes == ["rolling-serverless"]
