"""Datasets read in chunks of columns: CSV (with a header) through pyarrow's streaming reader, JSON Lines
through the standard library. Every value arrives as text (or null when missing); the statistics decide
what is a number. Memory stays bounded by the chunk size whatever the file size.

pyarrow is used for CSV because it was measured (benchmarks/monitor_baseline.py --compare-stdlib, on the
1,000,000-row, 12-column file): the standard ``csv`` module plus ``numpy.array(column, float64)`` needs
~17 s of CPU just to parse, the whole `monitor baseline` process with pyarrow ~2.5 s. The statistics
themselves are numpy.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError

Progress = Callable[[int, int, int], None]  # (bytes read, bytes total, rows so far)

CSV_BLOCK_BYTES = 8 << 20  # ~8 MB of text per chunk (~80,000 rows of the benchmark's file)
JSONL_CHUNK_ROWS = 50_000


@dataclass
class Chunk:
    first_line: int  # file line of the chunk's first row
    columns: dict[str, Any]  # name -> pyarrow string array (nulls where missing)
    rows: int


@dataclass
class Table:
    path: Path
    names: list[str]
    chunks: Iterator[Chunk]
    warnings: list[str] = field(default_factory=list)


def open_table(path: Path, progress: Progress | None = None, types: dict[str, str] | None = None) -> Table:
    """Open ``path`` (``.csv`` or ``.jsonl``/``.json``/``.ndjson``); errors name the file and line.

    CSV columns arrive typed (int64, float64 or string: ``types``, inferred when None); the reader raises
    :class:`Retype` when a later block contradicts a type, and the caller starts again with the new types."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a data file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    if not head.strip():
        raise DataError(f"{path}: empty file: expected a header line and rows")
    if b"\x00" in head:
        raise DataError(f"{path}: binary data, not CSV or JSON Lines text")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the 64 KB boundary
            line = head[: exc.start].count(b"\n") + 1
            raise DataError(f"{path}:{line}: not UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _open_jsonl(path, size, progress)
    if suffix == ".csv":
        return _open_csv(path, head, size, progress, types)
    raise DataError(
        f"{path}: unknown data format {suffix or '(no suffix)'}: use a .csv file with a header or a .jsonl file"
    )


def _check_names(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names, 1):
        if not name.strip():
            raise DataError(f"{path}:1: column {i} of the header has no name")
        if name in seen:
            raise DataError(f'{path}:1: column "{name}" appears twice in the header')
        seen.add(name)


_ARROW_ROW = re.compile(r"Row #(\d+)")


class Retype(Exception):
    """A later block holds a value the column's type (inferred from the first block) cannot: the read
    starts again with that column one step wider (int64 -> float64 -> string)."""

    def __init__(self, types: dict[str, str]):
        self.types = types


_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error to (int64|double)")
_WIDER = {"int64": "float64", "float64": "string"}


def _open_csv(path: Path, head: bytes, size: int, progress: Progress | None, types: dict[str, str] | None) -> Table:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
    names = next(csv.reader([first]))
    _check_names(path, names)
    if b"\n" not in head.rstrip(b"\r\n") and size == len(head):
        raise DataError(f"{path}: a header but no rows")
    read_options = pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES)
    parse_options = pcsv.ParseOptions(newlines_in_values=False)
    if types is None:
        # Numbers are parsed by arrow's reader itself (threaded, no text copies): the column types come
        # from arrow's inference on the first block; anything else than integers and floats is text.
        try:
            with pcsv.open_csv(
                path,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=pcsv.ConvertOptions(null_values=[""], strings_can_be_null=True),
            ) as probe:
                schema = probe.schema
        except pa.ArrowInvalid as exc:
            raise DataError(_arrow_message(path, str(exc), 2)) from None
        types = {
            f.name: "int64" if pa.types.is_integer(f.type) else "float64" if pa.types.is_floating(f.type) else "string"
            for f in schema
        }
    arrow_types = {
        n: {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}[t] for n, t in types.items()
    }

    def chunks() -> Iterator[Chunk]:
        line, rows, blocks = 2, 0, 0
        with open(path, "rb") as fh:
            try:
                reader = pcsv.open_csv(
                    fh,
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=pcsv.ConvertOptions(
                        column_types=arrow_types, null_values=[""], strings_can_be_null=True
                    ),
                )
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    if batch.num_rows == 0:
                        continue
                    yield Chunk(line, {n: batch.column(i) for i, n in enumerate(names)}, batch.num_rows)
                    line += batch.num_rows
                    rows += batch.num_rows
                    if progress is not None:
                        # Not fh.tell(): arrow reads ahead of the batches it hands out. A batch is one block.
                        blocks += 1
                        progress(min(blocks * CSV_BLOCK_BYTES, size), size, rows)
            except pa.ArrowInvalid as exc:
                found = _CONVERSION.search(str(exc))
                if found:
                    name = names[int(found.group(1))]
                    raise Retype({**types, name: _WIDER[types[name]]}) from None
                raise DataError(_arrow_message(path, str(exc), line)) from None

    return Table(path, names, chunks())


def _arrow_message(path: Path, message: str, chunk_line: int) -> str:
    message = message.replace("CSV parse error: ", "").replace("CSV conversion error to string: ", "")
    if message.startswith("Expected ") and " columns, got " in message:
        # arrow does not say where: find the row again (the error path only), with the csv module.
        wanted = int(message.split()[1])
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if len(row) != wanted:
                    return f"{path}:{reader.line_num}: {len(row)} values, the header has {wanted} columns"
    found = _ARROW_ROW.search(message)
    if found:  # arrow counts rows of the block it was parsing from 1... but with skip_rows they are file rows
        message = _ARROW_ROW.sub("", message).strip(" :")
        return f"{path}:{found.group(1)}: {message}"
    if "invalid UTF8" in message:
        return f"{path}:{chunk_line}: not UTF-8 text (in the rows from line {chunk_line} on)"
    return f"{path}:{chunk_line}: {message}"


def _open_jsonl(path: Path, size: int, progress: Progress | None) -> Table:
    import pyarrow as pa

    fh = open(path, "rb")  # noqa: SIM115 - outlives this function: chunks() closes it, or the error paths below
    lines = enumerate(fh, 1)
    warnings: list[str] = []

    def records(limit: int) -> tuple[list[tuple[int, dict]], int]:
        out: list[tuple[int, dict]] = []
        last = 0
        for number, raw in lines:
            last = number
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except UnicodeDecodeError:
                raise DataError(f"{path}:{number}: not UTF-8 text") from None
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(rec, dict):
                raise DataError(f"{path}:{number}: expected a JSON object of feature: value, got {type(rec).__name__}")
            out.append((number, rec))
            if len(out) >= limit:
                break
        return out, last

    try:
        first, _ = records(JSONL_CHUNK_ROWS)
    except DataError:
        fh.close()
        raise
    if not first:
        fh.close()
        raise DataError(f"{path}: no records")
    names: list[str] = []
    for _, rec in first:
        for key in rec:
            if key not in names:
                names.append(key)
    known = set(names)

    def column(recs: list[tuple[int, dict]], name: str):
        return pa.array([as_text(r.get(name)) for _, r in recs], type=pa.string())

    def chunks() -> Iterator[Chunk]:
        recs = first
        total = 0
        try:
            while recs:
                for number, rec in recs:
                    extra = [k for k in rec if k not in known]
                    if extra and len(warnings) < 20:
                        warnings.append(f"{path}:{number}: key {extra[0]!r} is not in the first records; ignored")
                    for key in extra:
                        known.add(key)
                total += len(recs)
                yield Chunk(recs[0][0], {n: column(recs, n) for n in names}, len(recs))
                if progress is not None:
                    progress(min(fh.tell(), size), size, total)
                recs, _ = records(JSONL_CHUNK_ROWS)
        finally:
            fh.close()

    return Table(path, names, chunks(), warnings)


def as_text(value: Any) -> str | None:
    """A JSON value as the text a CSV cell would hold (None when missing)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value if value != "" else None
    return json.dumps(value, sort_keys=True)  # nested values are categories, as text


def rows_to_columns(rows: list[list[str | None]], names: list[str]) -> dict[str, Any]:
    """Rows of text (capture payloads) as a chunk's columns."""
    import pyarrow as pa

    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {n: pa.array(list(c), type=pa.string()) for n, c in zip(names, cols, strict=True)}
