"""The core shared by the preprocessing Lambdas (API Gateway REST proxy -> SageMaker endpoint).

One request::

    body (size-checked) -> key = sha256(the function's key header + the body's bytes)
      -> Redis GET: a hit answers from the cache, before any parsing or preprocessing; on a miss
         features (per kind) -> InvokeEndpoint -> Redis SET (EX ttl) -> DynamoDB put_item (optional)
      -> 200 {"prediction": ..., "cached": ...} + one JSON log line (which is also the EMF metrics)

The key header (`key_header`) names the endpoint, the target variant, the kind and the preprocessing
as resolved from the settings (a vocabulary file's tokens, not its name), so a hit is an answer to the
same bytes through the same preprocessing: only a request that parsed, preprocessed and was answered
is ever stored, so a hit needs no parsing again. Two spellings of the same JSON are two entries.

Configuration comes only from environment variables, read once per container (`Config`). Cold starts
matter, so importing this module costs only the standard library: boto3 and redis are imported, and
their clients built, on first use, once per container. The cache is best-effort: any Redis failure
is logged, the request goes on without it, and a `Breaker` skips Redis for a few seconds.

Tests and benchmarks inject clients through ``<kind>.configure(env=..., runtime=..., ...)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import sys
import time

KIB = 1024
MIB = 1024 * KIB
CACHE_PREFIX = "mlinfra:prediction:"  # Redis key = prefix + the sha256 cache key (hex)
NAMESPACE = "MLInference"
SECONDS_PER_DAY = 86400

# The Lambda answers before API Gateway's 29 s integration timeout: 2 attempts x 12 s at most.
INVOKE_CONNECT_TIMEOUT_S = 2
INVOKE_READ_TIMEOUT_S = 12
INVOKE_MAX_ATTEMPTS = 2

_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_EMF_DIRECTIVE = [
    {
        "Namespace": NAMESPACE,
        "Dimensions": [["Endpoint", "Variant"]],
        "Metrics": [{"Name": "LatencyMs", "Unit": "Milliseconds"}, {"Name": "CacheHit", "Unit": "Count"}],
    }
]


class ConfigError(Exception):
    """The function's environment is invalid; requests answer 500 (details in the log) until it is fixed."""


class HttpError(Exception):
    """A request that ends with ``status`` and a client-facing ``message`` (never a traceback)."""

    def __init__(self, status: int, message: str, field: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.detail = detail  # logged, never returned


def bad_request(field: str, message: str) -> HttpError:
    """A 400 naming the failing field, e.g. ``data.age: must be a number``."""
    return HttpError(400, f"{field}: {message}", field=field)


class Encoded:
    """Features known by their compact JSON text (large inputs: image pixels), as a read-only sequence.

    The handler needs only ``json``; the values are computed when something iterates or compares them.
    """

    __slots__ = ("json", "_values")

    def __init__(self, text: str, values):
        self.json = text
        self._values = values  # a list, or a function returning it

    def values(self) -> list:
        if callable(self._values):
            self._values = self._values()
        return self._values

    def __iter__(self):
        return iter(self.values())

    def __len__(self) -> int:
        return len(self.values())

    def __getitem__(self, index):
        return self.values()[index]

    def __eq__(self, other) -> bool:
        return self.values() == (other.values() if isinstance(other, Encoded) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Encoded({self.values()!r})"


def number(value, field: str) -> float:
    """A finite JSON number as a float (booleans and strings are not numbers)."""
    if type(value) is float:
        result = value
    elif type(value) is int:
        try:
            result = float(value)
        except OverflowError:
            raise bad_request(field, "number out of range") from None
    else:
        raise bad_request(field, f"must be a number, not {_json_type(value)}")
    if not math.isfinite(result):
        raise bad_request(field, "must be a finite number")
    return result


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


# ---------------------------------------------------------------------------------------- configuration


def _text(env, name: str, required: bool = False) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        if required:
            raise ConfigError(f"{name} is required")
        return None
    return value


def _int(env, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not an integer") from None
    if value < low or (high is not None and value > high):
        raise ConfigError(f"{name}: {value} is out of range [{low}, {high if high is not None else '...'}]")
    return value


def _bool(env, name: str, default: bool) -> bool:
    raw = _text(env, name)
    if raw is None:
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise ConfigError(f"{name}: {raw!r} is not 'true' or 'false'")


class Config:
    """Everything a function needs, read from its environment once per container."""

    def __init__(self, env, kind: str, default_max_body: int):
        self.kind = kind
        self.endpoint = _text(env, "MLINFRA_ENDPOINT", required=True)
        self.target_variant = _text(env, "MLINFRA_TARGET_VARIANT")
        raw = _text(env, "MLINFRA_SETTINGS", required=True)
        try:
            settings = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"MLINFRA_SETTINGS: not valid JSON ({exc})") from None
        if not isinstance(settings, dict):
            raise ConfigError("MLINFRA_SETTINGS: must be a JSON object")
        self.settings = settings
        self.max_body = _int(env, "MLINFRA_MAX_BODY_BYTES", default_max_body, 1, 6 * MIB)
        self.cache_host = _text(env, "MLINFRA_CACHE_HOST")
        self.cache_port = _int(env, "MLINFRA_CACHE_PORT", 6379, 1, 65535)
        self.cache_tls = _bool(env, "MLINFRA_CACHE_TLS", True)
        self.cache_secret_arn = _text(env, "MLINFRA_CACHE_AUTH_SECRET_ARN")
        self.cache_ttl = _int(env, "MLINFRA_CACHE_TTL", 300, 1)
        self.cache_connect_timeout = _int(env, "MLINFRA_CACHE_CONNECT_TIMEOUT_MS", 100, 1, 10_000) / 1000
        self.cache_timeout = _int(env, "MLINFRA_CACHE_TIMEOUT_MS", 50, 1, 10_000) / 1000
        self.cache_retry_after = _int(env, "MLINFRA_CACHE_RETRY_AFTER_S", 5, 0, 3600)
        self.results_table = _text(env, "MLINFRA_RESULTS_TABLE")
        self.results_ttl_days = _int(env, "MLINFRA_RESULTS_TTL_DAYS", 30, 1, 36500)
        self.region = _text(env, "AWS_REGION") or _text(env, "AWS_DEFAULT_REGION")
        # Files named in the settings (a vocabulary) are relative to the function's package root.
        self.task_root = _text(env, "LAMBDA_TASK_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check_keys(settings: dict, allowed: tuple[str, ...], where: str = "MLINFRA_SETTINGS") -> None:
    """Fail loudly on a settings key this kind does not know (a typo would otherwise be ignored)."""
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (expected: {', '.join(allowed)})")


def read_package_file(path, task_root: str, setting: str) -> str:
    """A UTF-8 file named in the settings: relative to the function's package root, or absolute (a layer)."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"MLINFRA_SETTINGS.{setting}: must be a path")
    full = path if os.path.isabs(path) else os.path.join(task_root, path)
    try:
        with open(full, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"MLINFRA_SETTINGS.{setting}: cannot read {full}: {exc}") from None


# ---------------------------------------------------------------------------------------- the cache


class Breaker:
    """After a failure, skip the dependency for ``retry_after`` seconds, then let one call try again.

    Each failed Redis call costs up to a socket timeout; paying it on every request would turn a cache
    outage into a latency outage. ``clock`` is injectable (monotonic seconds).
    """

    __slots__ = ("retry_after", "clock", "open_until", "failures")

    def __init__(self, retry_after: float, clock):
        self.retry_after = retry_after
        self.clock = clock
        self.open_until: float | None = None
        self.failures = 0

    def allow(self) -> bool:
        return self.open_until is None or self.clock() >= self.open_until

    def success(self) -> None:
        self.open_until = None

    def failure(self) -> None:
        self.failures += 1
        self.open_until = self.clock() + self.retry_after

    @property
    def state(self) -> str:
        if self.open_until is None:
            return "closed"
        return "half-open" if self.clock() >= self.open_until else "open"


class Cache:
    """Best-effort Redis (ElastiCache) cache of predictions; never raises.

    ``get`` answers ``(state, (prediction, variant) | None)`` with state one of hit, miss, error,
    skipped (breaker open); ``set`` answers ok, error or skipped. ``last_error`` says what failed.
    """

    def __init__(self, config: Config, secrets, client=None, clock=time.monotonic):
        self.config = config
        self.breaker = Breaker(config.cache_retry_after, clock)
        self.last_error: str | None = None
        self._secrets = secrets  # () -> a secretsmanager client
        self._client = client
        self._owned = client is None  # built here from the config, so rebuilt here after an AUTH failure
        self._credentials: tuple[str | None, str | None] | None = None

    def get(self, key: str):
        if not self.breaker.allow():
            return "skipped", None
        try:
            raw = self.client().get(CACHE_PREFIX + key)
        except Exception as exc:  # best-effort: any failure means "no cache for now"
            self._failed(exc)
            return "error", None
        self.breaker.success()
        if raw is None:
            return "miss", None
        try:
            entry = json.loads(raw)
            prediction, variant = entry["prediction"], entry["variant"]
            if not isinstance(variant, str):
                raise TypeError("variant is not a string")
        except Exception as exc:  # a corrupt or foreign entry: ignore it, the miss path overwrites it
            self.last_error = f"unreadable cache entry: {type(exc).__name__}: {exc}"
            return "miss", None
        return "hit", (prediction, variant)

    def set(self, key: str, prediction, variant: str) -> str:
        if not self.breaker.allow():
            return "skipped"
        try:
            value = _encode({"prediction": prediction, "variant": variant})
            self.client().set(CACHE_PREFIX + key, value, ex=self.config.cache_ttl)
        except Exception as exc:
            self._failed(exc)
            return "error"
        self.breaker.success()
        return "ok"

    def client(self):
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self):
        cfg = self.config
        username, password = self._auth()
        import redis  # ~100 ms: paid by the first request of a container, not by the import
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.retry import Retry

        kwargs = dict(
            host=cfg.cache_host,
            port=cfg.cache_port,
            username=username,
            password=password,
            ssl=cfg.cache_tls,
            socket_connect_timeout=cfg.cache_connect_timeout,
            socket_timeout=cfg.cache_timeout,
            # One immediate reconnect when a kept-alive socket turns out dead (a thawed container); never
            # a retry after a timeout: that would double the cost of a slow Redis.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            health_check_interval=0,
        )
        # No CLIENT SETINFO round trips on connect: driver_info (redis-py >= 7.1), lib_name (>= 5).
        for extra in ({"driver_info": None}, {"lib_name": None, "lib_version": None}, {}):
            try:
                return redis.Redis(**kwargs, **extra)
            except TypeError:
                continue
        raise RuntimeError("unsupported redis-py version")

    def _auth(self) -> tuple[str | None, str | None]:
        """The AUTH token from Secrets Manager, fetched once per container (again after AUTH fails)."""
        if self.config.cache_secret_arn is None:
            return None, None
        if self._credentials is None:
            response = self._secrets().get_secret_value(SecretId=self.config.cache_secret_arn)
            self._credentials = parse_secret(response.get("SecretString"))
        return self._credentials

    def _failed(self, exc: BaseException) -> None:
        self.breaker.failure()
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if not self._owned or self._client is None:
            return
        try:  # a timed-out socket may still receive the late reply: never reuse it
            self._client.close()
        except Exception:
            pass
        text = f"{type(exc).__name__} {exc}"
        if "Authentication" in text or "WRONGPASS" in text or "NOAUTH" in text:
            self._client = None  # the token may have been rotated: fetch it again on the next try
            self._credentials = None


def parse_secret(secret: str | None) -> tuple[str | None, str]:
    """``(username, password)`` from a secret: the token itself, or JSON with password/auth_token/token."""
    if not secret:
        raise ConfigError("the cache AUTH secret has no SecretString")
    text = secret.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise ConfigError("the cache AUTH secret is not valid JSON") from None
        password = doc.get("password") or doc.get("auth_token") or doc.get("token")
        if not isinstance(password, str) or not password:
            raise ConfigError("the cache AUTH secret has no password, auth_token or token")
        username = doc.get("username")
        return (username if isinstance(username, str) and username else None), password
    return None, text


# ---------------------------------------------------------------------------------------- requests


def parse_body(event, limit: int, fields: tuple[str, ...]) -> dict:
    """The request's JSON object: 413 over ``limit`` bytes, 400 naming what is wrong otherwise."""
    return parse_json(read_body(event, limit), fields)


def parse_json(raw: str | bytes, fields: tuple[str, ...]) -> dict:
    """A body read by `read_body` as a JSON object with only ``fields``: 400 naming what is wrong otherwise."""
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise bad_request("body", "nested too deeply") from None
    except ValueError as exc:
        raise bad_request("body", f"not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise bad_request("body", f"must be a JSON object, not {_json_type(body)}")
    for name in body:
        if name not in fields:
            raise bad_request(name, f"unknown field (expected: {', '.join(fields)})")
    return body


def read_body(event, limit: int) -> str | bytes:
    """The request's body as sent (text, or bytes when API Gateway base64-encoded it), size-checked:
    413 over ``limit`` bytes, 400 when missing."""
    if not isinstance(event, dict):
        raise bad_request("event", "not an API Gateway proxy event")
    raw = event.get("body")
    if raw is None or raw == "":
        raise bad_request("body", "required (a JSON object)")
    if not isinstance(raw, str):
        raise bad_request("body", "must be a string")
    if event.get("isBase64Encoded"):
        if len(raw) > 4 * -(-limit // 3):  # longer than any encoding of `limit` bytes
            raise HttpError(413, f"body: over the limit of {limit} bytes", field="body")
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise bad_request("body", "not valid base64 (isBase64Encoded is true)") from None
        size = len(raw)
    elif len(raw) > limit or 4 * len(raw) <= limit:  # UTF-8 takes 1 to 4 bytes a character
        size = len(raw)
    else:
        size = len(raw.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise HttpError(413, f"body: {size} bytes is over the limit of {limit} bytes", field="body")
    return raw


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


KEY_SCHEME = "mlinfra-cache-key/2"  # bump when a preprocessor's output changes for the same settings


def key_header(endpoint: str, target_variant: str | None, kind: str, preprocessing) -> bytes:
    """What the cache key hashes before the body: compact sorted JSON (which holds no raw newline) + newline.

    ``preprocessing`` is the preprocessor's ``key_settings``: everything its output depends on.
    """
    head = {"endpoint": endpoint, "kind": kind, "preprocessing": preprocessing, "scheme": KEY_SCHEME, "target_variant": target_variant}
    return json.dumps(head, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def canonical_key(endpoint: str, target_variant: str | None, kind: str, preprocessing, body) -> str:
    """The cache key: sha256 (hex) of the key header and the request body's bytes (UTF-8 for a text body).

    The handler hashes the same bytes from a precomputed header state; the tests hold the two to be equal.
    """
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return hashlib.sha256(key_header(endpoint, target_variant, kind, preprocessing) + data).hexdigest()


def _features_json(features) -> str:
    text = getattr(features, "json", None)
    return text if text is not None else _encode(features)


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Container:
    """What one Lambda container keeps between requests: config, preprocessor, clients, cache, breaker.

    Clients not given are built from the environment on first use (boto3 is imported then).
    """

    def __init__(
        self,
        kind: str,
        build,
        default_max_body: int,
        env=None,
        runtime=None,
        dynamodb=None,
        secrets=None,
        redis=None,
        clock=None,
        wall=None,
        log=None,
    ):
        self.config = cfg = Config(os.environ if env is None else env, kind, default_max_body)
        self.preprocessor = build(cfg.settings, cfg)
        self.clock = clock or time.monotonic
        self.wall = wall or time.time
        self.log = log or _stdout
        self._clients = {"sagemaker-runtime": runtime, "dynamodb": dynamodb, "secretsmanager": secrets}
        self._session = None
        self.cache = Cache(cfg, self.secrets, redis, self.clock) if (cfg.cache_host or redis is not None) else None
        # The key's hash state after its header: a request copies it and adds its body's bytes.
        self._key_state = hashlib.sha256(key_header(cfg.endpoint, cfg.target_variant, kind, self.preprocessor.key_settings))
        # A preprocessor without a payload key (passthrough) sends the request's body as it came.
        key = self.preprocessor.payload_key
        self._body_head, self._body_tail = (('{"' + key + '":').encode(), b"}") if key is not None else (b"", b"")

    # -- clients, built lazily and kept for the container's life

    def runtime(self):
        return self._client("sagemaker-runtime")

    def dynamodb(self):
        return self._client("dynamodb")

    def secrets(self):
        return self._client("secretsmanager")

    def _client(self, service: str):
        client = self._clients[service]
        if client is None:
            client = self._clients[service] = self._build_client(service)
        return client

    def _build_client(self, service: str):
        import boto3  # ~130 ms: paid by the first request of a container, not by the import
        from botocore.config import Config as BotoConfig

        if self._session is None:
            self._session = boto3.session.Session()
        config = BotoConfig(
            connect_timeout=INVOKE_CONNECT_TIMEOUT_S,
            read_timeout=INVOKE_READ_TIMEOUT_S,
            retries={"mode": "standard", "max_attempts": INVOKE_MAX_ATTEMPTS},
            tcp_keepalive=True,
        )
        return self._session.client(service, region_name=self.config.region, config=config)

    # -- one request

    def handle(self, event, context) -> dict:
        start = time.perf_counter()
        cfg = self.config
        record = {"level": "info", "message": "request", "kind": cfg.kind, "request_id": _request_id(event, context), "endpoint": cfg.endpoint}
        variant = None
        cached = False
        try:
            raw = read_body(event, cfg.max_body)
            digest = self._key_state.copy()
            digest.update(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"))
            key = digest.hexdigest()
            hit = None
            if self.cache is not None:
                record["cache"], hit = self.cache.get(key)
            else:
                record["cache"] = "off"
            if hit is not None:
                prediction, variant = hit
                cached = True
            else:
                if self.preprocessor.payload_key is None:
                    features_json = self.preprocessor.body(raw)
                else:
                    body = parse_json(raw, self.preprocessor.fields)
                    features_json = _features_json(self.preprocessor.features(body)).encode()
                prediction, variant = self._invoke(features_json)
                if self.cache is not None and self.cache.set(key, prediction, variant) == "error":
                    record["cache_set"] = "error"
                if cfg.results_table is not None:
                    self._store(key, prediction, variant, record)
            status = 200
            payload = _encode({"prediction": prediction, "cached": cached})
        except HttpError as exc:
            status = exc.status
            error = {"message": exc.message}
            if exc.field is not None:
                error["field"] = exc.field
            if record["request_id"]:
                error["request_id"] = record["request_id"]
            payload = _encode(error)
            record["level"] = "warning" if status < 500 else "error"
            record["error"] = exc.message
            if exc.detail:
                record["error_detail"] = exc.detail
        except Exception as exc:  # a bug: answer 500 without a traceback, log it whole
            status, payload = _internal_error(record, exc)
        latency_ms = (time.perf_counter() - start) * 1000
        if self.cache is not None and self.cache.last_error is not None:
            record["cache_error"] = self.cache.last_error
            self.cache.last_error = None
        headers = {"Content-Type": "application/json", "X-Latency-Ms": f"{latency_ms:.3f}"}
        if variant is not None:
            headers["X-Model-Version"] = variant
        record["status"] = status
        record["cached"] = cached
        record["latency_ms"] = round(latency_ms, 3)
        if status == 200:  # the log line is also a CloudWatch Embedded Metric Format document
            record["_aws"] = {"Timestamp": int(self.wall() * 1000), "CloudWatchMetrics": _EMF_DIRECTIVE}
            record["Endpoint"] = cfg.endpoint
            record["Variant"] = variant
            record["LatencyMs"] = record["latency_ms"]
            record["CacheHit"] = 1 if cached else 0
        self.log(_log_line(record))
        return {"statusCode": status, "headers": headers, "body": payload, "isBase64Encoded": False}

    def _invoke(self, features_json: bytes):
        cfg = self.config
        kwargs = {
            "EndpointName": cfg.endpoint,
            "ContentType": "application/json",
            "Accept": "application/json",
            "Body": self._body_head + features_json + self._body_tail,
        }
        if cfg.target_variant is not None:
            kwargs["TargetVariant"] = cfg.target_variant
        try:
            response = self.runtime().invoke_endpoint(**kwargs)
            raw = response["Body"].read()
        except Exception as exc:
            raise endpoint_error(exc, cfg.endpoint) from None
        try:
            prediction = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise HttpError(502, "the model endpoint returned an invalid response (not JSON)", detail=f"{type(exc).__name__}: {exc}"[:300]) from None
        variant = response.get("InvokedProductionVariant") or cfg.target_variant or "unknown"
        return prediction, variant

    def _store(self, key: str, prediction, variant: str, record: dict) -> None:
        """Best-effort write of the result into DynamoDB: a failure is logged, the prediction still returned."""
        cfg = self.config
        now = int(self.wall())
        item = {
            "cache_key": {"S": key},
            "endpoint": {"S": cfg.endpoint},
            "prediction": {"S": _encode(prediction)},
            "model_variant": {"S": variant},
            "created_at": {"N": str(now)},
            "expires_at": {"N": str(now + cfg.results_ttl_days * SECONDS_PER_DAY)},
        }
        try:
            self.dynamodb().put_item(TableName=cfg.results_table, Item=item)
        except Exception as exc:
            record["results_error"] = f"{type(exc).__name__}: {exc}"[:300]


def _request_id(event, context) -> str | None:
    rid = getattr(context, "aws_request_id", None)
    if rid is None and isinstance(event, dict):
        rc = event.get("requestContext")
        if isinstance(rc, dict):
            rid = rc.get("requestId")
    return rid


def _log_line(record: dict) -> str:
    try:
        return _encode(record)
    except ValueError:  # a non-finite number somewhere: never lose the line over it
        return json.dumps(record, default=str)


def _internal_error(record: dict, exc: BaseException) -> tuple[int, str]:
    import traceback

    record["level"] = "error"
    record["error"] = f"{type(exc).__name__}: {exc}"[:500]
    record["traceback"] = traceback.format_exc()[-4000:]
    error = {"message": "internal error"}
    if record.get("request_id"):
        error["request_id"] = record["request_id"]
    return 500, _encode(error)


# Error codes of sagemaker-runtime InvokeEndpoint (and the generic AWS ones) -> (status, message).
_UNAVAILABLE = {
    "ThrottlingException": "the model endpoint is throttling requests",
    "Throttling": "the model endpoint is throttling requests",
    "TooManyRequestsException": "the model endpoint is throttling requests",
    "ServiceUnavailable": "the model endpoint is unavailable",
    "ServiceUnavailableException": "the model endpoint is unavailable",
    "ModelNotReadyException": "the model is not ready",
}


def endpoint_error(exc: BaseException, endpoint: str) -> HttpError:
    """Map an InvokeEndpoint failure onto 502/503/504 with a short message; the detail goes to the log only."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code") or "")
        message = str(response["Error"].get("Message") or "")
        detail = f"{code}: {message}"
        original = response.get("OriginalStatusCode")
        if original is not None:  # ModelError: the container's own status and message, for the log only
            detail += f" (model status {original}: {str(response.get('OriginalMessage') or '')[:300]})"
        if code in _UNAVAILABLE:
            return HttpError(503, _UNAVAILABLE[code], detail=detail[:500])
        if code == "ModelError":
            suffix = f" (status {original})" if original is not None else ""
            return HttpError(502, f"the model returned an error{suffix}", detail=detail[:500])
        if code in ("ValidationError", "ValidationException"):
            lowered = message.lower()
            if "not found" in lowered or "could not find" in lowered:
                return HttpError(503, f"model endpoint {endpoint} not found", detail=detail[:500])
            if "in service" in lowered or "inservice" in lowered or "status" in lowered:
                return HttpError(503, f"model endpoint {endpoint} is not in service", detail=detail[:500])
            return HttpError(502, "the model endpoint rejected the request", detail=detail[:500])
        return HttpError(502, f"the model endpoint call failed ({code or 'unknown error'})", detail=detail[:500])
    name = type(exc).__name__
    detail = f"{name}: {exc}"[:500]
    if "ReadTimeout" in name:
        return HttpError(504, "the model endpoint timed out", detail=detail)
    if any(part in name for part in ("ConnectTimeout", "EndpointConnection", "ConnectionClosed", "Connection")):
        return HttpError(503, "the model endpoint is unreachable", detail=detail)
    return HttpError(502, "the model endpoint call failed", detail=detail)


class App:
    """One handler module's container, built from the environment on the first request."""

    def __init__(self, kind: str, build, default_max_body: int):
        self.kind = kind
        self.build = build
        self.default_max_body = default_max_body
        self.container: Container | None = None

    def configure(self, **kwargs) -> Container:
        """Build the container now (tests, benchmarks): ``env``, ``runtime``, ``dynamodb``, ``secrets``,
        ``redis``, ``clock``, ``wall``, ``log`` replace the environment and the clients built from it."""
        self.container = Container(self.kind, self.build, self.default_max_body, **kwargs)
        return self.container

    def reset(self) -> None:
        self.container = None

    def handle(self, event, context) -> dict:
        container = self.container
        if container is None:
            start = time.perf_counter()
            try:
                container = self.container = Container(self.kind, self.build, self.default_max_body)
            except Exception as exc:  # a bad environment: say so in the log, 500 to the client
                record = {"level": "error", "message": "configuration", "kind": self.kind, "request_id": _request_id(event, context)}
                if isinstance(exc, ConfigError):
                    record["error"] = f"invalid configuration: {exc}"
                    error = {"message": "the preprocessor is misconfigured (see its log)"}
                    status, payload = 500, _encode(error)
                else:
                    status, payload = _internal_error(record, exc)
                latency_ms = (time.perf_counter() - start) * 1000
                record["status"] = status
                _stdout(_log_line(record))
                headers = {"Content-Type": "application/json", "X-Latency-Ms": f"{latency_ms:.3f}"}
                return {"statusCode": status, "headers": headers, "body": payload, "isBase64Encoded": False}
        return container.handle(event, context)


def entry_points(kind: str, build, default_max_body: int):
    """A preprocessor module's ``handler(event, context)`` (API Gateway REST Lambda proxy), ``configure(**seams)``
    (build the container now, from injected clients: tests, benchmarks) and ``reset()`` (forget it)."""
    app = App(kind, build, default_max_body)
    return app.handle, app.configure, app.reset
