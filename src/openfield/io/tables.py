"""Writing the per-frame table: CSV (4 decimals) or Parquet, atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from openfield.io.files import atomic_write


def write_frames_table(frames: Any, path: Path) -> Path:
    """The per-frame table, atomically: CSV (4 decimals, written by pyarrow: ~10x pandas) or Parquet."""
    if path.suffix == ".parquet":
        with atomic_write(path) as tmp:
            pq.write_table(pa.Table.from_pandas(frames, preserve_index=False), tmp)
        return path
    cols = {}
    for name in frames.columns:
        col = frames[name].to_numpy()
        if col.dtype.kind == "f":
            col = np.round(col, 4)
        elif col.dtype.kind == "b":  # as pandas writes them
            col = np.where(col, "True", "False")
        cols[name] = pa.array(col, from_pandas=True)
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        f.write((",".join(frames.columns) + "\n").encode())
        pacsv.write_csv(pa.table(cols), f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return path
