"""Score a diagnosis file with comorbidipy, the comparison side of the comorbidity benchmark.

Runs only in its own venv, never the project's ``.venv``, and works with either of two
comorbidipy generations, picked by the installed version (importlib.metadata):

- 0.7.0 and later run on polars and need Python >= 3.13. Pinned: comorbidipy==0.8.0 with
  polars 2.1.0, as resolved on 2026-11-23.
- 0.4.4-0.5.0 (all pip finds on Python 3.11) run on pandas and import
  ``pandas.core.common.SettingWithCopyWarning``, which pandas 1.5 removed, so they need
  pandas 1.4.x. pandas 1.4 has no wheels for Python 3.11 and is built from source (about
  15 minutes on 2 cores) with setuptools < 70 (newer ones lack ``pkg_resources``) and
  Cython < 3. Pinned: comorbidipy==0.5.0, pandas==1.4.4, numpy==1.23.5, pyarrow==14.0.2
  (for parquet), with python-dateutil 4.0.0, pytz 2026.6 and tzdata 2026.6 resolved
  alongside on 2026-11-23.

From the repository root::

    ~/.pyenv/versions/3.13.0/bin/python3.13 -m venv benchmarks/.venv-comorbidipy
    benchmarks/.venv-comorbidipy/bin/pip install comorbidipy==0.8.0 polars==2.1.0

    ~/.pyenv/versions/3.11.7/bin/python3.11 -m venv benchmarks/.venv-comorbidipy-pandas
    printf 'setuptools<70\\nCython<3\\n' > /tmp/build-constraints.txt
    benchmarks/.venv-comorbidipy-pandas/bin/pip install \\
        --build-constraint /tmp/build-constraints.txt \\
        comorbidipy==0.5.0 pandas==1.4.4 numpy==1.23.5 pyarrow==14.0.2

    benchmarks/.venv-comorbidipy/bin/python benchmarks/comorbidipy_runner.py \\
        --index charlson --input diag.parquet --output out.csv

(``--build-constraint`` needs pip >= 25.3; with an older pip, put the two pins in a file
named by ``PIP_CONSTRAINT`` instead.)

Input: .csv or .parquet with columns person_id, code (ICD-10, undotted, upper case, e.g. I500,
F03X). comorbidipy matches codes by prefix as given: dotted, lower-case or padded codes are not
normalised for Charlson/Elixhauser. All rows of a person are pooled (there is no date or
look-back). Charlson and Elixhauser use the Quan ICD-10 mapping with the hierarchy rule
(assign0); the weighting is ``--weighting`` (Charlson: quan = Quan 2011, charlson = Charlson 1987;
Elixhauser: van_walraven, which 0.5 calls ``vw``). No age is passed, so no age points are added
to Charlson. HFRS in comorbidipy takes no age column and applies no age filter, so no age is
synthesised. ``--hfrs-3char`` cuts codes to 3 characters first, so a category counts once per
person as in Gilbert 2018 (0.8 alone counts each distinct 4-character code of a category; 0.5
already counts each category once, so the flag changes nothing there).

The two generations differ beyond the API. 0.5 maps a code that falls in several Elixhauser
categories to the last of them only (I110 to hypc, not chf; K70x to alcohol, not ld), where
0.8 flags all; and 0.5 floors every score at 0, which changes negative van Walraven sums (0.8 floors
only the SHMI weightings). Charlson scores agree. The output has the same columns either way:
0.5's HFRS column ``hfrs`` is renamed ``hfrs_score`` and ``hfrs_category`` (< 5 Low, <= 15
Intermediate, else High) is added as 0.8 does; 0.5's float flags are written as integers.
The flag columns still differ under the hierarchy rule: 0.8 writes the milder flag (diab, canc;
diabunc, hypunc, solidtum) as 0 when the severe one is present, 0.5 leaves it 1 and applies the
rule to the score only.

Prints one JSON line: index, rows_in, persons_out, seconds_compute (the comorbidipy call only)
and comorbidipy_version.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version
from pathlib import Path

COMORBIDIPY_VERSION = version("comorbidipy")
# 0.4.x-0.5.x take pandas frames; 0.7.0 on (there is no 0.6) take polars frames.
PANDAS_API = tuple(int(p) for p in COMORBIDIPY_VERSION.split(".")[:2]) < (0, 6)

WEIGHTINGS = {"charlson": ("quan", "charlson"), "elixhauser": ("van_walraven",)}
COLS = ["person_id", "code"]


def run_polars(args: argparse.Namespace, weighting: str) -> tuple[int, int, float]:
    import polars as pl
    from comorbidipy import comorbidity, hfrs
    from comorbidipy.calculators.comorbidity import colnames

    if args.input.suffix == ".parquet":
        df = pl.read_parquet(args.input, columns=COLS)
    else:
        df = pl.read_csv(args.input, columns=COLS, schema_overrides={"code": pl.String})

    t = time.perf_counter()
    if args.index == "hfrs":
        if args.hfrs_3char:
            df = df.with_columns(pl.col("code").str.slice(0, 3))
        out = hfrs(df, id_col="person_id", code_col="code")
    else:
        out = comorbidity(
            df,
            id_col="person_id",
            code_col="code",
            score=args.index,
            icd="icd10",
            variant="quan",
            weighting=weighting,
            assign0=True,
        )
    seconds = time.perf_counter() - t

    # comorbidipy's column order depends on which conditions occur, and its float sums vary in
    # the last bit from run to run: fix the order and round to 6 places for comparison.
    flags = list(colnames.get(args.index, {}))
    rest = [c for c in out.columns if c not in flags and c != "person_id"]
    out = out.select("person_id", *flags, *rest).with_columns(pl.col(pl.Float64).round(6))
    out.sort("person_id").write_csv(args.output)
    return df.height, out.height, seconds


def run_pandas(args: argparse.Namespace, weighting: str) -> tuple[int, int, float]:
    import pandas as pd
    from comorbidipy import comorbidity, get_colnames, hfrs

    if args.input.suffix == ".parquet":
        df = pd.read_parquet(args.input, columns=COLS)
    else:
        df = pd.read_csv(args.input, usecols=COLS, dtype={"code": str})

    t = time.perf_counter()
    if args.index == "hfrs":
        if args.hfrs_3char:
            df = df.assign(code=df["code"].str.slice(0, 3))
        out = hfrs(df, id="person_id", code="code")
    else:
        out = comorbidity(
            df,
            id="person_id",
            code="code",
            age=None,  # the default is "age", which must then exist
            score=args.index,
            icd="icd10",
            variant="quan",
            weighting="vw" if weighting == "van_walraven" else weighting,
            assign0=True,
        )
    seconds = time.perf_counter() - t

    # Match the polars side: same column names and order, integer flags, 6-place floats.
    if args.index == "hfrs":
        out = out.rename(columns={"hfrs": "hfrs_score"})
        score = out["hfrs_score"]
        out["hfrs_category"] = "High"
        out.loc[score <= 15, "hfrs_category"] = "Intermediate"
        out.loc[score < 5, "hfrs_category"] = "Low"
        flags = []
    else:
        flags = list(get_colnames(args.index))
        out[flags] = out[flags].astype("int64")
    rest = [c for c in out.columns if c not in flags and c != "person_id"]
    out = out[["person_id", *flags, *rest]].round(6)
    out.sort_values("person_id").to_csv(args.output, index=False)
    return len(df), len(out), seconds


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, choices=["charlson", "elixhauser", "hfrs"])
    ap.add_argument("--input", required=True, type=Path)
    ap.add_argument("--output", required=True, type=Path)
    ap.add_argument(
        "--weighting", help="charlson: quan (default) or charlson; elixhauser: van_walraven"
    )
    ap.add_argument("--hfrs-3char", action="store_true", help="count each HFRS category once")
    args = ap.parse_args(argv)
    if args.weighting and args.weighting not in WEIGHTINGS.get(args.index, ()):
        ap.error(f"--weighting {args.weighting} does not apply to {args.index}")
    weighting = args.weighting or WEIGHTINGS.get(args.index, ("",))[0]

    run = run_pandas if PANDAS_API else run_polars
    rows_in, persons_out, seconds = run(args, weighting)
    print(
        json.dumps(
            {
                "index": args.index,
                "rows_in": rows_in,
                "persons_out": persons_out,
                "seconds_compute": round(seconds, 3),
                "comorbidipy_version": COMORBIDIPY_VERSION,
            }
        )
    )


if __name__ == "__main__":
    main()
