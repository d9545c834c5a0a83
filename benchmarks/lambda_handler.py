"""Latency of the preprocessing Lambda handlers, warm and cold, in one run.

    .venv/bin/python benchmarks/lambda_handler.py [--calls 2000] [--image-miss-calls 300] [--import-runs 9]

Warm: p50 / p99 / max of ``handler(event, context)`` over many calls in one process (a warm container),
for each route (tabular, image, text), on a cache hit and on a miss, against a real redis-server started
here on 127.0.0.1 (no persistence) and moto in-process for sagemaker-runtime. A miss through moto mostly
measures moto (it emulates the HTTP round trip in Python), so each miss is also timed with the endpoint
answered by a stub in-process object: that row is mlinfra's own cost of a miss (preprocessing, key,
Redis GET + SET, JSON), to which the real endpoint's latency adds.

Cold: the import time of each handler module in a fresh interpreter (``python -X importtime``, the
module's cumulative time, median of N runs), from the source tree without bytecode (as a zip without
``.pyc``) and from a copy laid out as the Lambda zip (``mlinfra_lambdas/``) with compiled ``.pyc``; and
the first request of a fresh container (imports boto3 and redis, builds the clients, connects).

Targets: tabular warm cache-hit p99 <= 1 ms; cold import <= 150 ms.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
sys.path[:0] = [str(SRC), str(ROOT)]

from tests.lambdas.support import RedisServer, queue_endpoint_results  # noqa: E402
from tests.support.aws import FAKE_ENV, UNSET_ENV  # noqa: E402

KINDS = ("tabular", "image", "text")
ENDPOINT = "bench-inference"
SETTINGS = {
    "tabular": {"features": [{"name": f"f{i}", "default": 0.0, "mean": float(i), "std": 1.5} for i in range(20)]},
    "image": {"width": 224, "height": 224, "channels": 3},
    "text": {"max_tokens": 128, "lowercase": True, "vocabulary": ["[PAD]", "[UNK]"] + [f"w{i}" for i in range(200)]},
}
PREDICTION = {"label": "positive", "scores": [0.07, 0.93]}


class Context:
    aws_request_id = "bench"


class StubRuntime:
    """An endpoint that answers at once: isolates the handler's own cost of a miss."""

    def invoke_endpoint(self, **kwargs):
        return {"Body": io.BytesIO(json.dumps(PREDICTION).encode()), "InvokedProductionVariant": "production"}


def event(body: dict) -> dict:
    return {
        "httpMethod": "POST",
        "path": "/predict",
        "headers": {},
        "requestContext": {"requestId": "bench"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def bodies(kind: str, n: int) -> list[dict]:
    """``n`` distinct request bodies of ``kind`` (so each one misses the cache)."""
    if kind == "tabular":
        return [{"data": {"f0": j, **{f"f{i}": (j * 31 + i) % 97 / 7 for i in range(1, 20)}}} for j in range(n)]
    if kind == "text":
        words = lambda j: f"W{j % 200} w{(j // 200) % 200} w{(j // 40000) % 200}"  # noqa: E731 (distinct ids for each j)
        return [
            {"text": f"Request {words(j)}: " + " ".join(f"W{(j + i) % 250}" for i in range(60)) + ", done!"}
            for j in range(n)
        ]
    from PIL import Image

    base = Image.linear_gradient("L").convert("RGB")  # 256 x 256, a smooth JPEG of ~10 KB
    out = []
    for j in range(n):
        img = base.copy()
        img.putpixel((j % 256, (j // 256) % 256), (255, j % 256, 0))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        out.append({"image": base64.b64encode(buf.getvalue()).decode()})
    return out


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def warm(
    redis_server: RedisServer, calls: int, image_miss_calls: int
) -> list[tuple[str, str, int, tuple[float, float, float]]]:
    import boto3
    from moto import mock_aws

    from mlinfra.lambdas import image, tabular, text
    from tests.lambdas.support import moto_runtime_backend

    modules = {"tabular": tabular, "image": image, "text": text}

    def log(line: str) -> None:  # what the default logger does, to /dev/null
        sink.write(line + "\n")
        sink.flush()

    rows = []
    with open(os.devnull, "w") as sink, mock_aws():
        for kind in KINDS:
            module = modules[kind]
            env = {
                "AWS_REGION": FAKE_ENV["AWS_REGION"],
                "MLINFRA_ENDPOINT": ENDPOINT,
                "MLINFRA_SETTINGS": json.dumps(SETTINGS[kind]),
                "MLINFRA_CACHE_HOST": redis_server.host,
                "MLINFRA_CACHE_PORT": str(redis_server.port),
                "MLINFRA_CACHE_TLS": "false",
                # A busy benchmark machine can be slower than ElastiCache beside the Lambda: a Redis timeout
                # would open the breaker and turn hits into misses (the tests set the same).
                "MLINFRA_CACHE_TIMEOUT_MS": "2000",
                "MLINFRA_CACHE_CONNECT_TIMEOUT_MS": "2000",
            }
            n_miss = image_miss_calls if kind == "image" else calls
            events = [event(b) for b in bodies(kind, n_miss + 1)]
            runtime = boto3.client("sagemaker-runtime", region_name=FAKE_ENV["AWS_REGION"])

            # hit: one request answered from Redis, over and over
            module.configure(env=env, runtime=runtime, log=log)
            queue_endpoint_results({"Body": PREDICTION})
            hit_event = events[-1]
            assert json.loads(module.handler(hit_event, Context())["body"])["cached"] is False
            for _ in range(50):  # warm-up
                module.handler(hit_event, Context())
            samples = []
            for _ in range(calls):
                start = time.perf_counter()
                response = module.handler(hit_event, Context())
                samples.append((time.perf_counter() - start) * 1000)
            assert response["statusCode"] == 200 and json.loads(response["body"])["cached"] is True
            rows.append((kind, "hit", calls, percentiles(samples)))

            # miss through moto: every request distinct, one queued result each
            redis_server.client().flushall()
            queue_endpoint_results(*({"Body": PREDICTION} for _ in range(n_miss)))
            backend = moto_runtime_backend()
            samples = []
            for ev in events[:n_miss]:
                start = time.perf_counter()
                response = module.handler(ev, Context())
                samples.append((time.perf_counter() - start) * 1000)
                backend.results.clear()  # moto keeps every request body; not timed
            assert response["statusCode"] == 200 and json.loads(response["body"])["cached"] is False, (kind, response)
            rows.append((kind, "miss (moto endpoint)", n_miss, percentiles(samples)))

            # miss with the endpoint stubbed in-process: the handler's own cost
            redis_server.client().flushall()
            module.configure(env=env, runtime=StubRuntime(), log=log)
            samples = []
            for ev in events[:n_miss]:
                start = time.perf_counter()
                response = module.handler(ev, Context())
                samples.append((time.perf_counter() - start) * 1000)
            assert response["statusCode"] == 200 and json.loads(response["body"])["cached"] is False, (kind, response)
            rows.append((kind, "miss (stub endpoint)", n_miss, percentiles(samples)))
            module.reset()
    return rows


def import_times(runs: int) -> list[tuple[str, str, float, float]]:
    """Median and max cumulative import time (ms) of each handler module in fresh interpreters."""

    def one(module: str, env: dict, cwd: Path) -> float:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            check=True,
        )
        for line in proc.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == module:
                return int(parts[1]) / 1000
        raise RuntimeError(f"no importtime line for {module}")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        zipdir = Path(tmp) / "lambda"
        shutil.copytree(
            SRC / "mlinfra" / "lambdas", zipdir / "mlinfra_lambdas", ignore=shutil.ignore_patterns("__pycache__")
        )
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(zipdir)], check=True
        )
        source_env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONDONTWRITEBYTECODE": "1"}
        zip_env = {**os.environ, "PYTHONPATH": str(zipdir), "PYTHONDONTWRITEBYTECODE": "1"}
        for kind in KINDS:
            for label, module, env in (
                ("source, no .pyc", f"mlinfra.lambdas.{kind}", source_env),
                ("zip layout, .pyc", f"mlinfra_lambdas.{kind}", zip_env),
            ):
                samples = [one(module, env, Path(tmp)) for _ in range(runs)]
                rows.append((kind, label, statistics.median(samples), max(samples)))
    return rows


FIRST_REQUEST = textwrap.dedent(
    """
    import json, sys, time
    kind, host, port = sys.argv[1], sys.argv[2], sys.argv[3]
    from moto import mock_aws
    import requests
    with mock_aws():
        requests.post("http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
                      json={"results": [{"Body": "{}", "ContentType": "application/json",
                                         "InvokedProductionVariant": "production", "CustomAttributes": ""}]})
        import os
        os.environ.update({"MLINFRA_ENDPOINT": "ep", "MLINFRA_SETTINGS": sys.argv[4], "MLINFRA_CACHE_HOST": host,
                           "MLINFRA_CACHE_PORT": port, "MLINFRA_CACHE_TLS": "false"})
        start = time.perf_counter()
        module = __import__(f"mlinfra.lambdas.{kind}", fromlist=["handler"])
        response = module.handler({"body": sys.argv[5]}, None)
        elapsed = (time.perf_counter() - start) * 1000
        assert response["statusCode"] == 200, response
        print(json.dumps({"ms": elapsed}))
    """
)


def first_requests(redis_server: RedisServer, runs: int, hit: bool = False) -> list[tuple[str, float]]:
    """The first request of a fresh container: import, config, boto3 + redis imports, clients, connect.

    moto has already imported boto3 and botocore in that process, so this is a lower bound of a real
    cold start, which also pays their import (~130 ms here, see `python -X importtime -c "import boto3"`).
    ``hit``: the cache already holds the answer (another container stored it), so the request needs
    only Redis: no preprocessing, no endpoint client."""
    rows = []
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for kind in KINDS:
        body = json.dumps(bodies(kind, 1)[0])
        samples = []
        for i in range(runs + hit):
            if not hit:
                redis_server.client().flushall()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    FIRST_REQUEST,
                    kind,
                    redis_server.host,
                    str(redis_server.port),
                    json.dumps(SETTINGS[kind]),
                    body,
                ],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            if hit and i == 0:
                continue  # that one stored the answer
            samples.append(json.loads(proc.stdout.strip().splitlines()[-1])["ms"])
        rows.append((kind, statistics.median(samples)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per warm measurement (default 2000)")
    parser.add_argument(
        "--image-miss-calls", type=int, default=300, help="image misses (each sends 2.8 MB through moto)"
    )
    parser.add_argument("--import-runs", type=int, default=9, help="fresh interpreters per import measurement")
    parser.add_argument("--first-request-runs", type=int, default=3)
    args = parser.parse_args()

    for name in UNSET_ENV:
        os.environ.pop(name, None)
    os.environ.update(FAKE_ENV)

    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            warm_rows = warm(server, args.calls, args.image_miss_calls)
            first_rows = first_requests(server, args.first_request_runs)
            first_hit_rows = first_requests(server, args.first_request_runs, hit=True)
        finally:
            server.stop()
    import_rows = import_times(args.import_runs)

    print(f"python {sys.version.split()[0]}, redis-server on 127.0.0.1, moto in-process\n")
    print("Warm handler latency (ms)")
    print(f"  {'route':<8} {'path':<22} {'calls':>6} {'p50':>8} {'p99':>8} {'max':>8}")
    for kind, path, n, (p50, p99, worst) in warm_rows:
        print(f"  {kind:<8} {path:<22} {n:>6} {p50:>8.3f} {p99:>8.3f} {worst:>8.3f}")
    print("\nCold import of the handler module (ms, fresh interpreter, -X importtime cumulative)")
    print(f"  {'module':<8} {'layout':<18} {'median':>8} {'max':>8}")
    for kind, label, med, worst in import_rows:
        print(f"  {kind:<8} {label:<18} {med:>8.1f} {worst:>8.1f}")
    print("\nFirst request of a fresh container (ms; import + clients + connect; boto3 already imported by moto)")
    for kind, med in first_rows:
        print(f"  {kind:<8} {med:>8.1f}")
    print("\nFirst request of a fresh container whose answer is already cached (ms; import + redis + GET)")
    for kind, med in first_hit_rows:
        print(f"  {kind:<8} {med:>8.1f}")

    hit_p99 = next(p[1] for k, path, _, p in warm_rows if k == "tabular" and path == "hit")
    worst_import = max(med for _, _, med, _ in import_rows)
    print(
        f"\ntargets: tabular warm hit p99 {hit_p99:.3f} ms (<= 1 ms: {'ok' if hit_p99 <= 1 else 'MISSED'}); "
        f"cold import {worst_import:.1f} ms at worst (<= 150 ms: {'ok' if worst_import <= 150 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
