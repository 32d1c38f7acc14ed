"""The yardstick for ``oneplace score``: one hand-written DuckDB SQL query doing the same work.

Maps the distinct codes of the input to conditions once (upper-cased, trimmed, undotted,
matched by prefix against the same reference code lists), joins them back to the rows and
groups by person; Charlson and Elixhauser apply the same hierarchy when summing, HFRS counts
each three-character code once. Run as its own process, like ``oneplace score``::

    python benchmarks/yardstick_sql.py --index charlson --input diag.parquet --output out.parquet

It imports only duckdb and the project's reference tables (no Ibis), so the comparison is
between the two whole processes, start-up included.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from oneplace import reference
from oneplace.reference.icd10 import expand

HIERARCHY = {
    "charlson": {"diab": "diabwc", "canc": "metacanc", "mld": "msld"},
    "elixhauser": {"diabunc": "diabc", "solidtum": "metacanc", "hypunc": "hypc"},
}
TABLES = {"charlson": "charlson_quan2005_icd10", "elixhauser": "elixhauser_quan2005_icd10"}
WEIGHTING = {"charlson": "charlson1987", "elixhauser": "van_walraven"}


def _source(path: Path) -> str:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    extra = (
        "" if path.suffix == ".parquet" else ", types={'person_id': 'VARCHAR', 'code': 'VARCHAR'}"
    )
    return f"{reader}('{path}'{extra})"


def comorbidity_sql(index: str, source: str) -> tuple[list[tuple[str, str]], str]:
    rows = reference.rows(TABLES[index])
    listed = [(p, r["condition"]) for r in rows for p in expand(r["icd10"])]
    conditions = [r["condition"] for r in rows]
    weights = {
        r["condition"]: int(r["weight"])
        for r in reference.rows("comorbidity_weights")
        if r["index"] == index and r["weighting"] == WEIGHTING[index]
    }
    flags = ", ".join(f"max(condition = '{c}')::TINYINT AS {c}" for c in conditions)
    terms = []
    for c in conditions:
        above = HIERARCHY[index].get(c)
        flag = f"coalesce({c}, 0)" + (f" * (1 - coalesce({above}, 0))" if above else "")
        terms.append(f"{weights[c]} * {flag}")
    outs = ", ".join(f"coalesce({c}, 0)::TINYINT AS {c}" for c in conditions)
    sql = f"""
        WITH d AS (SELECT person_id, code FROM {source}),
        codes AS (SELECT DISTINCT code FROM d),
        mapped AS (
            SELECT DISTINCT codes.code, l.condition FROM codes
            JOIN codelist l ON starts_with(replace(upper(trim(codes.code)), '.', ''), l.prefix)
        ),
        flags AS (
            SELECT person_id, {flags} FROM d JOIN mapped USING (code) GROUP BY person_id
        ),
        people AS (SELECT DISTINCT person_id FROM d WHERE person_id IS NOT NULL)
        SELECT people.person_id, ({" + ".join(terms)})::BIGINT AS score, {outs}
        FROM people LEFT JOIN flags USING (person_id) ORDER BY person_id
    """
    return listed, sql


def hfrs_sql(source: str) -> tuple[list[tuple[str, str]], str]:
    rows = reference.rows("hfrs_gilbert2018")
    listed = [(r["code"], str(round(float(r["points"]) * 10))) for r in rows]
    sql = f"""
        WITH d AS (SELECT person_id, code FROM {source}),
        codes AS (SELECT DISTINCT code FROM d),
        mapped AS (
            SELECT codes.code, l.prefix AS category, l.condition::INT AS tenths FROM codes
            JOIN codelist l ON left(replace(upper(trim(codes.code)), '.', ''), 3) = l.prefix
        ),
        sums AS (
            SELECT person_id, sum(tenths) AS tenths FROM (
                SELECT DISTINCT person_id, category, tenths FROM d JOIN mapped USING (code)
            ) GROUP BY person_id
        ),
        people AS (SELECT DISTINCT person_id FROM d WHERE person_id IS NOT NULL)
        SELECT people.person_id, coalesce(tenths, 0) / 10.0 AS score,
            CASE WHEN coalesce(tenths, 0) < 50 THEN 'low'
                 WHEN tenths <= 150 THEN 'intermediate' ELSE 'high' END AS risk_band
        FROM people LEFT JOIN sums USING (person_id) ORDER BY person_id
    """
    return listed, sql


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, choices=["charlson", "elixhauser", "hfrs"])
    ap.add_argument("--input", required=True, type=Path)
    ap.add_argument("--output", required=True, type=Path)
    args = ap.parse_args()
    source = _source(args.input)
    listed, sql = hfrs_sql(source) if args.index == "hfrs" else comorbidity_sql(args.index, source)
    con = duckdb.connect()
    values = ", ".join(f"('{p}', '{c}')" for p, c in listed)
    con.execute(f"CREATE TABLE codelist AS SELECT * FROM (VALUES {values}) t(prefix, condition)")
    fmt = "parquet" if args.output.suffix == ".parquet" else "csv"
    con.execute(f"COPY ({sql}) TO '{args.output}' (FORMAT {fmt})")


if __name__ == "__main__":
    main()
