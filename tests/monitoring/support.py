"""Builders for the monitoring tests: datasets on disk and data-capture records in SageMaker's format."""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Sequence
from pathlib import Path

from mlinfra.monitoring.baseline import compute_baseline, write_baseline


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def make_baseline(tmp: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    out = tmp / "baseline"
    write_baseline(compute_baseline(write_csv(tmp / "baseline.csv", header, rows)), out)
    return out


def record(data: str, encoding: str = "CSV", content_type: str = "text/csv", *, event: int = 0, output: str = "0.5") -> dict:
    """One data-capture line as the endpoint writes it (endpointInput + endpointOutput + eventMetadata)."""
    if encoding == "BASE64":
        data = base64.b64encode(data.encode()).decode()
    return {
        "captureData": {
            "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding},
            "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": output, "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": f"00000000-0000-0000-0000-{event:012d}", "inferenceTime": f"2026-12-01T10:{event // 60 % 60:02d}:{event % 60:02d}Z"},
        "eventVersion": "0",
    }


def csv_payload(rows: Sequence[Sequence[object]]) -> str:
    return "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)


def write_capture(path: Path, rows: Sequence[Sequence[object]], per_record: int = 500) -> Path:
    """Rows as CSV capture records, ``per_record`` rows in each (a batch request)."""
    with open(path, "w") as fh:
        for i in range(0, len(rows), per_record):
            fh.write(json.dumps(record(csv_payload(rows[i : i + per_record]), event=i)) + "\n")
    return path
