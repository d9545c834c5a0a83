"""The handler modules ship alone in a Lambda zip: stdlib-only, fast imports, nothing else from mlinfra."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "mlinfra" / "lambdas"
HANDLERS = ("tabular", "image", "text", "passthrough")
LAZY = ("boto3", "botocore", "redis", "PIL")
# Cold-import time is measured by benchmarks/lambda_handler.py (whole-process timings), not asserted
# here: a timed test fails on a loaded machine. What keeps the import cheap is asserted below.


def test_modules_import_only_the_standard_library_and_each_other():
    allowed_lazy = set(LAZY)
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                top = (node.module or "").split(".")[0]
            elif isinstance(node, ast.Import):
                top = node.names[0].name.split(".")[0]
            else:
                continue
            assert top != "mlinfra", f"{path.name}:{node.lineno}: imports from the rest of mlinfra"
            if top in allowed_lazy:
                # boto3 / redis / Pillow only inside functions, never at module level
                assert node not in tree.body, f"{path.name}:{node.lineno}: module-level import of {top}"
            elif top != "__future__":
                assert top in sys.stdlib_module_names, f"{path.name}:{node.lineno}: {top} is not in the standard library"


@pytest.mark.parametrize("kind", HANDLERS)
def test_import_needs_no_site_packages(kind):
    """``python -S`` has no site-packages at all: the import works on the standard library alone."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "src")!r})
        import mlinfra.lambdas.{kind} as m
        assert callable(m.handler)
        heavy = sorted(n for n in sys.modules if n.split(".")[0] in {LAZY!r})
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-S", "-c", code], check=True, timeout=60)


def test_the_zip_layout_works_standalone(tmp_path):
    """The package copied as ``mlinfra_lambdas/`` beside a vocabulary, with mlinfra itself unimportable."""
    root = tmp_path / "lambda"
    shutil.copytree(PACKAGE, root / "mlinfra_lambdas", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "vocab.txt").write_text("[PAD]\n[UNK]\nhello\nworld\n", encoding="utf-8")
    code = textwrap.dedent(
        """
        import io, json, sys
        sys.modules["mlinfra"] = None  # the rest of mlinfra is not in the zip
        import mlinfra_lambdas.text as text

        class Runtime:
            def invoke_endpoint(self, **kwargs):
                self.kwargs = kwargs
                return {"Body": io.BytesIO(b'{"label": 1}'), "InvokedProductionVariant": "production"}

        runtime = Runtime()
        lines = []
        text.configure(
            env={
                "MLINFRA_ENDPOINT": "ep",
                "MLINFRA_SETTINGS": json.dumps({"max_tokens": 4, "vocabulary_file": "vocab.txt"}),
                "LAMBDA_TASK_ROOT": sys.argv[1],
            },
            runtime=runtime,
            log=lines.append,
        )
        response = text.handler({"body": json.dumps({"text": "hello there world"})}, None)
        heavy = sorted({n.split(".")[0] for n in sys.modules} & {"PIL", "redis", "boto3"})
        print(json.dumps({"response": response, "sent": json.loads(runtime.kwargs["Body"]), "log": json.loads(lines[0]), "heavy": heavy}))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(root)
    proc = subprocess.run([sys.executable, "-c", code, str(root)], check=False, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["response"]["statusCode"] == 200
    assert json.loads(out["response"]["body"]) == {"prediction": {"label": 1}, "cached": False}
    assert out["sent"] == {"input_ids": [2, 1, 3, 0]}
    assert out["log"]["cache"] == "off"
    assert out["heavy"] == []  # no cache configured, clients injected, not the image path: nothing heavy loaded


def test_docstrings_name_the_handler_paths():
    for kind in HANDLERS:
        doc = (PACKAGE / f"{kind}.py").read_text()
        assert re.search(rf"Handler: ``mlinfra_lambdas\.{kind}\.handler``", doc)
