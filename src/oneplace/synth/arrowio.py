"""Arrow helpers for the generator: schemas from the canonical tables, fast column builders.

Identifiers are built as fixed-width strings straight into Arrow buffers (no Python string per
row), money as decimal128(14,2) from integer pence, dates as date32 from day numbers. Parquet is
written with pyarrow, whose file metadata holds no timestamp, so files are byte-reproducible.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema.tables import TABLES

EPOCH = date(1970, 1, 1)
DICTIONARY_COLUMNS = {
    "person": ["sex", "lsoa"],
    "registration": ["practice_code"],
    "activity": ["provider_code", "setting", "admission_method", "activity_type"],
    "diagnosis": ["code_system", "code"],
}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a canonical table, columns in schema order."""
    return TABLES[table].arrow_schema(nullability=True)


def day(d: date) -> int:
    """Days since 1970-01-01 (the date32 representation)."""
    return (d - EPOCH).days


_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)


def fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Strings ``prefix`` + zero-padded ``numbers`` (all ``width`` digits), built in bulk."""
    rest = np.asarray(numbers, dtype=np.int64).copy()
    n = len(rest)
    p = prefix.encode("ascii")
    w = len(p) + width
    buf = np.empty((n, w), dtype=np.uint8)
    buf[:, : len(p)] = np.frombuffer(p, dtype=np.uint8)
    end = w
    while end > len(p):  # four digits at a time, from the right
        k = min(4, end - len(p))
        buf[:, end - k : end] = _DIGITS4[rest % 10_000][:, 4 - k :]
        rest //= 10_000
        end -= k
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.ravel())]
    )


def lookup(index: np.ndarray, values: list[str | None]) -> pa.Array:
    """Plain string array ``values[index]`` (None in ``values`` becomes null)."""
    dictionary = pa.array(values, type=pa.string())
    out = pa.DictionaryArray.from_arrays(pa.array(np.asarray(index, dtype=np.int32)), dictionary)
    return out.cast(pa.string())


def dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """date32 array from day numbers; ``mask`` True marks nulls."""
    arr = pa.array(np.asarray(days, dtype=np.int32), mask=mask)
    return arr.cast(pa.date32())


def money(pence: np.ndarray) -> pa.Array:
    """decimal128(14,2) array from non-negative integer pence."""
    pence = np.asarray(pence, dtype=np.int64)
    words = np.zeros((len(pence), 2), dtype=np.int64)
    words[:, 0] = pence
    words[:, 1] = np.where(pence < 0, -1, 0)
    return pa.Array.from_buffers(
        pa.decimal128(14, 2), len(pence), [None, pa.py_buffer(words.ravel())]
    )


def table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    schema = arrow_schema(name)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


class Writer:
    """A Parquet writer for one canonical table (row groups as chunks arrive)."""

    def __init__(self, name: str, path) -> None:
        self.name = name
        self.rows = 0
        self._w = pq.ParquetWriter(
            str(path),
            arrow_schema(name),
            compression="snappy",
            use_dictionary=DICTIONARY_COLUMNS[name],
            write_statistics=True,
        )

    def write(self, columns: dict[str, pa.Array]) -> None:
        t = table(self.name, columns)
        if t.num_rows:
            self._w.write_table(t, row_group_size=1 << 20)
            self.rows += t.num_rows

    def close(self) -> None:
        self._w.close()
