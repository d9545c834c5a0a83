"""Data-capture parsing on records in the endpoint's own format: CSV, JSON and BASE64 encodings; CSV, JSON
and JSON Lines payloads; malformed lines reported with file and line number, skipped, never a crash."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mlinfra.errors import DataError
from mlinfra.monitoring.capture import CaptureStats, read_capture

from .support import record

NAMES = ["age", "income", "segment"]


def _read(path: Path, names=NAMES) -> tuple[list[list], CaptureStats]:
    stats = CaptureStats()
    rows = [row for batch in read_capture([path], names, stats) for row in batch]
    return rows, stats


def _write(path: Path, lines: list) -> Path:
    path.write_bytes(b"".join((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("data", "encoding", "content_type", "expected"),
    [
        ("35,52000.5,gold", "CSV", "text/csv", [["35", "52000.5", "gold"]]),
        ("35,52000.5,gold\n41,,silver", "CSV", "text/csv", [["35", "52000.5", "gold"], ["41", None, "silver"]]),
        ('{"age": 35, "income": 52000.5, "segment": "gold"}', "JSON", "application/json", [["35", "52000.5", "gold"]]),
        ('{"features": [35, 52000.5, "gold"]}', "JSON", "application/json", [["35", "52000.5", "gold"]]),
        ('{"instances": [[35, 1.5, "a"], [36, null, "b"]]}', "JSON", "application/json", [["35", "1.5", "a"], ["36", None, "b"]]),
        ('[{"age": 35, "segment": "gold"}]', "JSON", "application/json", [["35", None, "gold"]]),
        ("35,52000.5,gold", "BASE64", "text/csv", [["35", "52000.5", "gold"]]),
        ('{"age": 35, "income": 1, "segment": "gold"}', "BASE64", "application/json", [["35", "1", "gold"]]),
        ('{"age": 1, "income": 2, "segment": "x"}\n{"age": 3, "income": 4, "segment": "y"}', "BASE64", "application/jsonlines", [["1", "2", "x"], ["3", "4", "y"]]),
    ],
    ids=["csv", "csv-two-rows", "json-object", "json-features", "json-instances", "json-list-of-objects", "base64-csv", "base64-json", "base64-jsonlines"],
)
def test_payloads_in_every_encoding(tmp_path: Path, data, encoding, content_type, expected) -> None:
    rows, stats = _read(_write(tmp_path / "cap.jsonl", [record(data, encoding, content_type)]))
    assert rows == expected
    assert stats.records == 1 and stats.rows == len(expected) and stats.problems == []
    assert stats.first_inference == "2026-12-01T10:00:00Z"


def test_malformed_lines_are_reported_with_their_line_and_skipped(tmp_path: Path) -> None:
    good = record("35,52000.5,gold")
    bad_b64 = record("x", "BASE64")
    bad_b64["captureData"]["endpointInput"]["data"] = "not base64!!"
    no_input = {"captureData": {"endpointOutput": good["captureData"]["endpointOutput"]}, "eventVersion": "0"}
    wrong_encoding = record("35,1,a")
    wrong_encoding["captureData"]["endpointInput"]["encoding"] = "GZIP"
    image = {**record("x"), "captureData": {"endpointInput": {"observedContentType": "image/jpeg", "mode": "INPUT", "data": base64.b64encode(b"\xff\xd8jpeg").decode(), "encoding": "BASE64"}}}
    path = _write(
        tmp_path / "cap.jsonl",
        [
            good,  # 1
            b'{"captureData": {"endpointInput": ',  # 2: truncated JSON
            b"\x00\x01\xfe\xff binary junk",  # 3
            {"some": "object"},  # 4: no captureData
            no_input,  # 5
            bad_b64,  # 6
            wrong_encoding,  # 7
            record("35,1"),  # 8: too few values
            record('{"instances": [1, 2]', "JSON", "application/json"),  # 9: broken JSON payload
            image,  # 10: not CSV/JSON
            record('{"zzz": 1}', "JSON", "application/json"),  # 11: no baseline feature
            b"",  # 12: blank lines are fine
            record("41,1,silver", event=13),  # 13
        ],
    )
    rows, stats = _read(path)
    assert rows == [["35", "52000.5", "gold"], ["41", "1", "silver"]]
    assert stats.records == 2
    lines = {p.line: p.message for p in stats.problems}
    assert sorted(lines) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert all(p.file == str(path) for p in stats.problems)
    assert str(stats.problems[0]).startswith(f"{path}:2: not a JSON record")
    assert "captureData" in lines[4] and "captureData.endpointInput" in lines[5]
    assert "base64" in lines[6] and "GZIP" in lines[7]
    assert "2 values, the baseline has 3 features" in lines[8]
    assert "JSON payload" in lines[9] and "image/jpeg" in lines[10] and "zzz" in lines[11]
    assert stats.first_inference == "2026-12-01T10:00:00Z" and stats.last_inference == "2026-12-01T10:00:13Z"


def test_missing_capture_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such capture file"):
        _read(tmp_path / "nope.jsonl")
