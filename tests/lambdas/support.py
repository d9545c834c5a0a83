"""Helpers for the Lambda tests and benchmark: a real redis-server, moto's endpoint-result queue, events."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

REGION = "us-east-1"
ACCOUNT = "123456789012"
MOTO_RESULTS_URL = "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if found is None:
        raise RuntimeError("redis-server is missing: install Debian's redis-server (apt-get install -y redis-server)")
    return found


class RedisServer:
    """A real redis-server on 127.0.0.1, no persistence, in its own directory; stoppable and restartable."""

    def __init__(self, workdir: Path, password: str | None = None, port: int | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        args = [
            redis_binary(),
            "--bind", self.host,
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--daemonize", "no",
            "--loglevel", "warning",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        with open(self.workdir / "redis.log", "ab") as log:  # the server keeps its own descriptor
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.proc.returncode}): {(self.workdir / 'redis.log').read_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    reply = s.recv(64)
                if reply.startswith((b"+PONG", b"-NOAUTH")):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("redis-server did not answer within 10 s")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def client(self):
        import redis

        return redis.Redis(host=self.host, port=self.port, password=self.password, socket_timeout=2)


class Blackhole:
    """A TCP port that accepts connections (kernel backlog) and never answers: a hung Redis."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def accept_pending(self) -> int:
        """How many connections were made since the last call (each is accepted, then closed)."""
        self.sock.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def queue_endpoint_results(*results: dict) -> None:
    """Queue InvokeEndpoint results in moto (call inside mock_aws); each dict may give Body/variant."""
    import requests

    payload = {
        "results": [
            {
                "Body": r["Body"] if isinstance(r.get("Body"), str) else json.dumps(r.get("Body", {"score": 0.5})),
                "ContentType": r.get("ContentType", "application/json"),
                "InvokedProductionVariant": r.get("InvokedProductionVariant", "production"),
                "CustomAttributes": r.get("CustomAttributes", ""),
            }
            for r in results
        ]
    }
    response = requests.post(MOTO_RESULTS_URL, json=payload, timeout=5)
    response.raise_for_status()


def moto_runtime_backend():
    from moto.sagemakerruntime.models import sagemakerruntime_backends

    return sagemakerruntime_backends[ACCOUNT][REGION]


def moto_requests() -> list[dict]:
    """The distinct InvokeEndpoint requests moto saw (headers and body, decoded).

    moto files them under the endpoint name it parsed, which this moto version leaves None (the name
    is in the URL path), so every endpoint's requests are returned.
    """
    return [json.loads(base64.b64decode(key)) for seen in moto_runtime_backend().results.values() for key in seen]


class Counting:
    """The real (moto) client, with every call of the methods it wraps counted and recorded."""

    def __init__(self, client, methods=("invoke_endpoint", "get_secret_value", "put_item")):
        self._client = client
        self.calls: list[tuple[str, dict]] = []
        for name in methods:
            if hasattr(client, name):
                setattr(self, name, self._wrap(name))

    def _wrap(self, name):
        method = getattr(self._client, name)

        def call(**kwargs):
            self.calls.append((name, kwargs))
            return method(**kwargs)

        return call

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)

    def last(self, name: str) -> dict:
        return [kw for n, kw in self.calls if n == name][-1]

    def __getattr__(self, name):
        return getattr(self._client, name)


class Context:
    aws_request_id = "req-0001"
    function_name = "mlinfra-test"


def event(body=None, raw: str | None = None, b64: bool = False) -> dict:
    """An API Gateway REST (v1) Lambda proxy event for POST with ``body`` (JSON-encoded) or ``raw``."""
    text = raw if raw is not None else (None if body is None else json.dumps(body))
    if b64 and text is not None:
        text = base64.b64encode(text.encode()).decode()
    return {
        "resource": "/predict",
        "path": "/predict",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "apigw-req-0001", "stage": "prod", "httpMethod": "POST"},
        "body": text,
        "isBase64Encoded": b64,
    }


def image_b64(image, fmt: str = "PNG", **save) -> str:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return base64.b64encode(buf.getvalue()).decode()
