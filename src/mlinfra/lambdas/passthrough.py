"""Passthrough Lambda: the request's JSON body goes to the endpoint unchanged (``application/json``).

For models whose container takes JSON as it comes: a Hugging Face inference container takes
``{"inputs": "...", "parameters": {...}}``, a scikit-learn or XGBoost container its own array.

MLINFRA_SETTINGS::

    {}

The body must be JSON (any value: an object, an array, ...); it is checked to parse, never rewritten,
and the endpoint receives its bytes as they came (decoded first when API Gateway base64-encoded them).
The cache key hashes those bytes (as every kind's does), so two spellings of the same JSON are two entries.

Handler: ``mlinfra_lambdas.passthrough.handler``.
"""

from __future__ import annotations

import json

from . import core

KIND = "passthrough"
DEFAULT_MAX_BODY = core.MIB


class Passthrough:
    """No features: ``body`` is what reaches the endpoint."""

    fields = ()
    payload_key = None  # the container sends ``body(...)`` as it is, not ``{"<payload_key>": ...}``
    key_settings = None  # nothing but the bytes decides what the endpoint receives

    def __init__(self, settings: dict):
        core.check_keys(settings, ())

    def body(self, raw: str | bytes) -> bytes:
        """The endpoint's body for a request body read by ``core.read_body`` (400 when it is not JSON)."""
        try:
            # Parsed only to refuse what is not JSON with a 400 here, rather than the model's error.
            json.loads(raw, parse_constant=_no_constant)
        except RecursionError:
            raise core.bad_request("body", "nested too deeply") from None
        except ValueError as exc:  # UnicodeDecodeError included (base64 bytes that are not UTF-8)
            raise core.bad_request("body", f"not valid JSON ({exc})") from None
        return raw if isinstance(raw, bytes) else raw.encode("utf-8")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def build(settings: dict, config: core.Config) -> Passthrough:
    return Passthrough(settings)


# The Lambda entry point (`mlinfra_lambdas.passthrough.handler`) and the test seams.
handler, configure, reset = core.entry_points(KIND, build, DEFAULT_MAX_BODY)
