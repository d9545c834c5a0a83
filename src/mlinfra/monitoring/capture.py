"""SageMaker data-capture files (JSON Lines, one record per invocation) as rows of feature values.

A record, as the endpoint's data capture writes it to S3::

    {"captureData": {
        "endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",  "data": "1.5,2,a", "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.93",    "encoding": "CSV"}},
     "eventMetadata": {"eventId": "…", "inferenceTime": "2026-12-01T10:00:00Z"},
     "eventVersion": "0"}

``encoding`` says how ``data`` is stored: ``CSV`` and ``JSON`` as text, ``BASE64`` for any content type the
endpoint's ``capture_content_type_header`` did not list as CSV or JSON. ``observedContentType`` says what
the payload is. CSV payloads map to the baseline's features by position (capture has no header, as in
Model Monitor); JSON payloads by name (an object) or position (a list, ``{"instances": [...]}`` or the
reference Lambda's ``{"features": [...]}``). One payload can hold several rows.

A line that is not such a record is reported with its file and line number and skipped.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..records import record
from .table import as_text

Row = list[str | None]
ENCODINGS = ("CSV", "JSON", "BASE64")


@record
class CaptureProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class _Bad(Exception):
    """One capture record cannot be used (becomes a CaptureProblem)."""


@dataclass
class CaptureStats:
    records: int = 0
    rows: int = 0
    problems: list[CaptureProblem] = field(default_factory=list)
    first_inference: str | None = None
    last_inference: str | None = None


def read_capture(
    paths: Iterable[str | Path],
    names: list[str],
    stats: CaptureStats,
    *,
    mode: str = "endpointInput",
    batch_rows: int = 20_000,
) -> Iterator[list[Row]]:
    """Rows (aligned with ``names``) of every usable record, in batches; problems go to ``stats``."""
    batch: list[Row] = []
    for given in paths:
        path = Path(given)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - only open()'s errors become DataErrors here; closed by the with below
        except FileNotFoundError:
            raise DataError(f"{path}: no such capture file") from None
        except IsADirectoryError:
            raise DataError(f"{path}: is a directory; give the capture files (*.jsonl)") from None
        except OSError as exc:
            raise DataError(f"{path}: cannot read: {exc.strerror}") from None
        with fh:
            for number, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    rows, when = _record(raw, names, mode)
                except _Bad as exc:
                    stats.problems.append(CaptureProblem(str(path), number, str(exc)))
                    continue
                stats.records += 1
                stats.rows += len(rows)
                if when:
                    stats.first_inference = min(stats.first_inference or when, when)
                    stats.last_inference = max(stats.last_inference or when, when)
                batch.extend(rows)
                if len(batch) >= batch_rows:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _record(raw: bytes, names: list[str], mode: str) -> tuple[list[Row], str | None]:
    try:
        rec = json.loads(raw)
    except UnicodeDecodeError:
        raise _Bad("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Bad(f"not a JSON record: {exc.msg} (column {exc.colno})") from None
    if not isinstance(rec, dict) or not isinstance(rec.get("captureData"), dict):
        raise _Bad('not a data-capture record: no "captureData" object')
    side = rec["captureData"].get(mode)
    if not isinstance(side, dict):
        raise _Bad(
            f'no "captureData.{mode}" (was the endpoint capturing {"inputs" if mode == "endpointInput" else "outputs"}?)'
        )
    data, encoding, ctype = side.get("data"), side.get("encoding"), side.get("observedContentType") or ""
    if not isinstance(data, str):
        raise _Bad(f"captureData.{mode}.data: expected a string, got {type(data).__name__}")
    if encoding not in ENCODINGS:
        raise _Bad(f"captureData.{mode}.encoding: {encoding!r} is not one of {', '.join(ENCODINGS)}")
    if encoding == "BASE64":
        # Checked first: a BASE64 record is often an image or a tensor, which no tabular baseline describes.
        kind = _kind(ctype)
        if kind is None:
            raise _Bad(
                f"captureData.{mode}.observedContentType: {ctype!r} is neither CSV nor JSON: cannot read features from it"
            )
        try:
            raw_payload = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _Bad(f"captureData.{mode}.data: not valid base64 (encoding BASE64)") from None
        try:
            data = raw_payload.decode("utf-8")
        except UnicodeDecodeError:
            raise _Bad(f"captureData.{mode}.data: the decoded payload is not UTF-8 text ({ctype})") from None
    else:
        kind = "csv" if encoding == "CSV" else "json"
    rows = _csv_rows(data, names) if kind == "csv" else _json_rows(data, names, jsonlines="jsonlines" in ctype.lower())
    meta = rec.get("eventMetadata")
    when = meta.get("inferenceTime") if isinstance(meta, dict) and isinstance(meta.get("inferenceTime"), str) else None
    return rows, when


def _kind(content_type: str) -> str | None:
    ct = content_type.lower()
    if "csv" in ct:
        return "csv"
    if "json" in ct:
        return "json"
    return None


def _csv_rows(text: str, names: list[str]) -> list[Row]:
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if r]
    except csv.Error as exc:
        raise _Bad(f"CSV payload: {exc}") from None
    if not rows:
        raise _Bad("empty CSV payload")
    out: list[Row] = []
    for row in rows:
        if len(row) != len(names):
            raise _Bad(f"CSV payload has {len(row)} values, the baseline has {len(names)} features")
        out.append([v.strip() or None for v in row])
    return out


def _json_rows(text: str, names: list[str], jsonlines: bool) -> list[Row]:
    try:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()] if jsonlines else [json.loads(text)]
    except json.JSONDecodeError as exc:
        raise _Bad(f"JSON payload: {exc.msg} (column {exc.colno})") from None
    out: list[Row] = []
    for doc in docs:
        out.extend(_json_value_rows(doc, names))
    if not out:
        raise _Bad("JSON payload holds no rows")
    return out


def _json_value_rows(doc: Any, names: list[str]) -> list[Row]:
    if isinstance(doc, dict):
        for key in ("instances", "features", "inputs", "data"):
            if key in doc and isinstance(doc[key], (list, dict)):
                return _json_value_rows(doc[key], names)
        unknown = [k for k in doc if k not in names]
        if unknown and len(unknown) == len(doc):
            raise _Bad(f"JSON payload: none of its keys ({', '.join(map(str, unknown[:3]))}) is a baseline feature")
        return [[as_text(doc.get(n)) for n in names]]
    if isinstance(doc, list):
        if doc and all(isinstance(x, (list, dict)) for x in doc):
            return [row for item in doc for row in _json_value_rows(item, names)]
        if len(doc) != len(names):
            raise _Bad(f"JSON payload has {len(doc)} values, the baseline has {len(names)} features")
        return [[as_text(v) for v in doc]]
    raise _Bad(f"JSON payload: expected an object or a list, got {type(doc).__name__}")
