"""Load canonical CSV and Parquet files into the workspace, quarantining bad rows with reasons.

A load is four stages, each one SQL statement (or a few) over the whole batch in DuckDB, so
that 40 million rows never pass through a Python loop:

1. **read** (:mod:`.read`): the file is hashed and read as it is into the staging view
   ``_raw``, with ``_row``, the 1-based data row (row 1 is the first row after a CSV
   header). A file that cannot be read, or lacks a required column, stops here with a
   one-line :class:`~oneplace.errors.LoadError` naming the file; nothing is loaded.
2. **type** (:mod:`.cast`): each canonical column is cast to its declared type in the view
   ``_typed``, with a ``wrong_type`` flag where a non-empty value does not fit (a view, so
   the casts run once, as the rules read them; the keys repeated in the file are found here).
3. **rules** (:mod:`.rules`): every generic rule (``wrong_type``, ``missing_value``,
   ``not_in_vocabulary``, ``duplicate_key``) and every rule of the table becomes one boolean
   column of a single SELECT over the batch; the breaches are unpivoted from the rows that
   have any into ``_violations``, the only per-row result kept. Rules that read other tables (``unknown_person``) see the workspace
   as it was before this batch.
4. **write** (:mod:`.load`): in one transaction, the rows without an error go into the
   table, every breach (error or warning) goes into ``quarantine``, and the batch is
   recorded in ``batches``. The transaction commits at the end; a process that dies before
   then leaves the workspace exactly as it was.

A batch is identified by its table and the SHA-256 of the file's bytes: loading the same
content again, under any file name, changes nothing and says ``already_loaded``. Files are
named in errors, ``quarantine.file`` and ``batches.file`` by the path as given.
"""

from __future__ import annotations

from .load import LoadResult, Reason, batch_id, load_file, quarantine

__all__ = ["LoadResult", "Reason", "batch_id", "load_file", "quarantine"]
