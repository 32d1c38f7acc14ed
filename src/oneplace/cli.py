"""The ``oneplace`` command line (Typer + Rich).

Every user error (bad place file, unreadable input, missing workspace) is a
:class:`~oneplace.errors.UserError`: printed as one message without a traceback, exit code 2.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from .errors import UserError
from .mssp.cli import app as mssp_app
from .stats.cli import app as stats_app

console = Console()
err_console = Console(stderr=True)


class _Group(TyperGroup):
    """Turns a UserError anywhere in a command into one red line and its exit code."""

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except UserError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise SystemExit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="oneplace: population, money and outcomes for an accountable care partnership.",
)

WorkspaceArg = Annotated[Path, typer.Argument(help="Workspace folder")]


@contextmanager
def _progress(description: str) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar driven by ``callback(stage, fraction_done)``."""
    with Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=1.0, stage="")

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)), stage=stage)

        yield update
        bar.update(task, completed=1.0, stage="done")


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _rich_table(title: str, columns: list[str], rows: list[list] | list[tuple]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*(_fmt(v) for v in r))
    return t


# --- place and workspace -----------------------------------------------------------------------
@app.command()
def init(
    workspace: WorkspaceArg,
    place: Annotated[Path, typer.Option("--place", help="The partnership's place file (YAML)")],
) -> None:
    """Create a workspace: a folder with the DuckDB store and the place file."""
    from .workspace import Workspace

    ws = Workspace.create(workspace, place)
    p = ws.place
    console.print(
        f"created workspace [bold]{workspace}[/] for {p.name}: {len(p.organisations)} "
        f"organisations, {len(p.localities)} localities, {len(p.networks)} networks, "
        f"{len(p.practices)} practices"
    )


@app.command("validate-place")
def validate_place(place: Annotated[Path, typer.Argument(help="Place file (YAML)")]) -> None:
    """Check a place file and report every problem in it."""
    from .place import load_place

    p = load_place(place)
    console.print(f"{place}: valid ({p.name}, {len(p.practices)} practices)")


@app.command()
def load(
    workspace: WorkspaceArg,
    table: Annotated[str, typer.Argument(help="person, registration, activity or diagnosis")],
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file")],
) -> None:
    """Load a file into a canonical table; bad rows go to quarantine, the batch lands whole."""
    from .ingest import load_file
    from .workspace import Workspace

    ws = Workspace.open(workspace)
    with _progress(f"load {table}") as progress:
        result = load_file(ws, table, file, progress=progress)
    _print_load(result)


def _print_load(result) -> None:
    if result.already_loaded:
        console.print(
            f"{result.file}: already loaded into {result.table} (batch {result.batch_id[:12]}); "
            "nothing changed"
        )
        return
    console.print(
        f"{result.file} -> {result.table}: [green]{result.loaded:,} loaded[/], "
        f"[red]{result.rejected:,} rejected[/], [yellow]{result.warned:,} warned[/] "
        f"of {result.rows_read:,} rows (batch {result.batch_id[:12]})"
    )
    if result.reasons:
        console.print(
            _rich_table(
                "top reasons",
                ["rule", "column", "severity", "rows", "example value"],
                [[r.rule, r.column, r.severity, r.count, r.example] for r in result.reasons[:10]],
            )
        )


@app.command()
def quarantine(
    workspace: WorkspaceArg,
    limit: Annotated[int, typer.Option(help="Rows to show")] = 50,
) -> None:
    """List rows that were rejected (and warnings), newest batch first."""
    from .ingest import quarantine as read_quarantine
    from .workspace import Workspace

    q = read_quarantine(Workspace.open(workspace), limit=limit)
    cols = [c for c in q.column_names if c not in ("batch_id", "loaded_at")]
    rows = [[r[c] for c in cols] for r in q.select(cols).to_pylist()]
    console.print(_rich_table(f"quarantine (first {limit})", cols, rows))


# --- synthetic place -----------------------------------------------------------------------------
@app.command()
def synth(
    people: Annotated[int, typer.Option(help="Number of people", min=100)] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files")] = 1,
    years: Annotated[int, typer.Option(help="Financial years of activity", min=1, max=10)] = 3,
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("synth"),
    report: Annotated[bool, typer.Option("--report", help="Print figures beside targets")] = False,
) -> None:
    """Write a synthetic place (place.yaml and the four tables as Parquet)."""
    from . import synth as synth_mod

    with _progress("synth") as progress:
        result = synth_mod.generate(people, seed, years, out, progress=progress)
    console.print(
        f"wrote {out}: " + ", ".join(f"{name} {rows:,} rows" for name, rows in result.rows.items())
    )
    if report:
        _print_synth_report(out)


def _print_synth_report(out: Path) -> None:
    from . import synth as synth_mod

    for section in synth_mod.report(out):
        console.print(_rich_table(section.title, section.columns, section.rows))


# --- indices for an analyst's own extract ---------------------------------------------------
def _positions(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    first, _, last = text.partition("-")
    try:
        pair = (int(first), int(last or first))
    except ValueError:
        pair = (0, 0)
    if not 1 <= pair[0] <= pair[1]:
        raise UserError(f"--positions must be N or N-M with 1 <= N <= M, not {text!r}")
    return pair


@app.command()
def score(
    index: Annotated[str, typer.Option(help="charlson, elixhauser or hfrs")],
    input: Annotated[Path, typer.Option("--input", help="CSV or Parquet: person_id, code")],
    output: Annotated[Path, typer.Option("--output", help="CSV or Parquet file to write")],
    weights: Annotated[
        str | None,
        typer.Option(help="charlson1987 (default) or quan2011; elixhauser: van_walraven"),
    ] = None,
    lookback_years: Annotated[
        int | None, typer.Option(help="Count rows dated in the N years up to --as-of", min=1)
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Last date counted (YYYY-MM-DD); default: latest date")
    ] = None,
    positions: Annotated[
        str | None, typer.Option(help="Diagnosis positions that count: N or N-M (1 = primary)")
    ] = None,
) -> None:
    """Score an extract (person_id, code[, date, position]): one row per person, no workspace."""
    from datetime import date

    from .score import score_file

    try:
        as_of_date = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UserError(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}") from None
    report = score_file(
        index, input, output, weights, lookback_years, as_of_date, _positions(positions)
    )
    window = (
        f", diagnoses dated in the {report.lookback_years} years to {report.as_of}"
        if report.lookback_years
        else (f", diagnoses dated to {report.as_of}" if report.as_of else "")
    )
    err_console.print(
        f"{report.index} ({report.weighting}): {report.people:,} people from "
        f"{report.rows:,} rows{window} -> {output}",
        highlight=False,
        soft_wrap=True,
    )
    if report.rows_without_person:
        err_console.print(
            f"[yellow]{report.rows_without_person:,} rows without a person_id were left out[/]"
        )
    if report.invalid_rows:
        shown = ", ".join(
            f"{code!r} ({n:,} rows)" if code else f"(empty) ({n:,} rows)"
            for code, n in report.invalid_examples
        )
        err_console.print(
            f"[yellow]{report.invalid_rows:,} rows ({report.invalid_codes:,} distinct codes) "
            f"are not ICD-10 codes and match nothing[/]: {shown}",
            highlight=False,
            soft_wrap=True,
        )


app.add_typer(mssp_app, name="mssp")
app.add_typer(stats_app, name="stats")


# --- runs and results ------------------------------------------------------------------------
@app.command()
def run(
    workspace: WorkspaceArg,
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark")] = "duckdb",
) -> None:
    """Compute every result table, stamped with a run id, inputs' hashes and version."""
    from .run import run as run_all
    from .workspace import Workspace

    if engine not in ("duckdb", "spark"):
        raise UserError(f"--engine must be duckdb or spark, not {engine!r}")
    ws = Workspace.open(workspace)
    with _progress(f"run ({engine})") as progress:
        result = run_all(ws, engine=engine, progress=progress)
    console.print(
        f"run {result.run_id} on {result.engine}: "
        + ", ".join(f"{n} ({rows:,} rows)" for n, rows in result.results.items())
    )


@app.command()
def tables(workspace: WorkspaceArg) -> None:
    """List the tables you can show or export."""
    from .workspace import Workspace

    rows = Workspace.open(workspace).table_names()
    console.print(_rich_table("tables", ["name", "kind", "rows"], rows))


@app.command()
def show(
    workspace: WorkspaceArg,
    name: Annotated[str, typer.Argument(help="A table: see 'oneplace tables'")],
    limit: Annotated[int, typer.Option(help="Rows to show")] = 40,
) -> None:
    """Print a table."""
    from .workspace import Workspace

    t = Workspace.open(workspace).read(name)
    rows = [list(r.values()) for r in t.slice(0, limit).to_pylist()]
    title = f"{name}: {t.num_rows:,} rows" + (f" (first {limit})" if t.num_rows > limit else "")
    console.print(_rich_table(title, t.column_names, rows))


@app.command()
def settle(
    workspace: WorkspaceArg,
    year: Annotated[
        int | None, typer.Option("--year", help="Financial year (2024 = 2024/25); default latest")
    ] = None,
) -> None:
    """Print the risk-share settlement: one statement per partner and one for the system."""
    from .web.formatting import fy_label
    from .workspace import Workspace

    ws = Workspace.open(workspace)
    statements = ws.settlement(year)
    fy = statements["fy"]
    label = fy_label(fy)
    for party in statements["parties"]:
        rows = [[line["rule"], line["description"], line["amount_gbp"]] for line in party["lines"]]
        rows.append(["", "Final (gain + / loss -)", party["amount_gbp"]])
        title = f"{party['party_name']} ({party['party']}, {party['party_kind']}), {label}"
        console.print(_rich_table(title, ["rule", "line", "£"], rows))
    system = [[r["rule"], r["description"], r["amount_gbp"]] for r in statements["system"]]
    console.print(
        _rich_table(f"{statements['agreement']}: the system, {label}", ["rule", "", "£"], system)
    )


@app.command()
def outcomes(
    workspace: WorkspaceArg,
    year: Annotated[
        int | None, typer.Option("--year", help="Financial year (2024 = 2024/25); default latest")
    ] = None,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="Also each unit of: locality, network, practice, imd_quintile, sex, age_band",
        ),
    ] = "",
) -> None:
    """Print the outcomes: every indicator's value with 95% limits, the framework's scorecard
    and the incentive payout."""
    from .outcomes.values import LEVELS
    from .web.formatting import fy_label
    from .workspace import Workspace

    levels = [name for name, _ in LEVELS]
    if level and level not in levels:
        raise UserError(f"--level: {level!r} is not one of {', '.join(levels[1:])}")
    ws = Workspace.open(workspace)
    if "indicator_values" not in ws.readable_names():
        raise UserError(f"{workspace}: no indicator values yet; run 'oneplace run' first")
    with ws.connect(read_only=True) as con:
        years = [r[0] for r in con.execute("SELECT DISTINCT fy FROM indicator_values").fetchall()]
        if not years:
            raise UserError(f"{workspace}: no indicator has values (no activity in the run)")
        fy = max(years) if year is None else year
        if fy not in years:
            raise UserError(f"--year: no values for {fy}; years: {', '.join(map(str, years))}")
        label = fy_label(fy)
        shown = ["place", level] if level else ["place"]
        marks = ", ".join("?" for _ in shown)
        rows = con.execute(
            "SELECT indicator_id, CASE WHEN level = 'place' THEN 'place' ELSE unit_name END, "
            "round(value, 1), round(lower95, 1), round(upper95, 1), rating FROM indicator_values "
            f"WHERE fy = ? AND level IN ({marks}) ORDER BY indicator_id, level <> 'place', "
            "unit_code",
            [fy, *shown],
        ).fetchall()
        console.print(
            _rich_table(
                f"Indicators, {label}",
                ["indicator", "unit", "value", "lower 95%", "upper 95%", "vs place"],
                rows,
            )
        )
        scores = con.execute(
            "SELECT indicator_id, round(value, 2), baseline, target, weight, attainment "
            "FROM outcome_scores WHERE fy = ? ORDER BY indicator_id = 'OVERALL', indicator_id",
            [fy],
        ).fetchall()
        if not scores:
            console.print("The place file declares no outcomes framework (outcomes:).")
            return
        console.print(
            _rich_table(
                f"Outcomes framework, {label}",
                ["indicator", "value", "baseline", "target", "weight", "attainment"],
                scores,
            )
        )
        payout = con.execute(
            "SELECT organisation_name, kind, sum(amount_gbp) FROM incentive_payout "
            "WHERE fy = ? GROUP BY ALL ORDER BY kind, organisation_name",
            [fy],
        ).fetchall()
        if payout:
            console.print(
                _rich_table(f"Incentive payout, {label}", ["organisation", "", "£"], payout)
            )


@app.command()
def export(
    workspace: WorkspaceArg,
    name: Annotated[str, typer.Argument(help="A table: see 'oneplace tables'")],
    out: Annotated[Path, typer.Option("--out", help="File to write: .csv or .parquet")],
) -> None:
    """Write a table to CSV or Parquet."""
    from .workspace import Workspace

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UserError(f"{out}: --out must end in .csv or .parquet")
    t = Workspace.open(workspace).read(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(t, out)
    else:
        import pyarrow.parquet as pq

        pq.write_table(t, out)
    console.print(f"wrote {out} ({t.num_rows:,} rows)")


@app.command()
def report(
    workspace: WorkspaceArg,
    out: Annotated[Path, typer.Option("--out", help="File to write: .html")],
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="For outside the partnership: counts under 5 suppressed, others rounded to 5",
        ),
    ] = False,
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Also print the page to FILE.pdf with headless Chromium"),
    ] = False,
) -> None:
    """Write the report of the latest run: one self-contained HTML page (and with --pdf the
    same page as PDF)."""
    from .web.pdf import chromium, print_pdf
    from .web.report import write_report
    from .workspace import Workspace

    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"{out}: --out must end in .html")
    if pdf:
        chromium()  # say so before the work if there is nothing to print with
    path = write_report(Workspace.open(workspace), out, public=public)
    kind = "public report (disclosure control applied)" if public else "report"
    console.print(f"wrote {kind} {path}")
    if pdf:
        printed = print_pdf(path, path.with_suffix(".pdf"))
        console.print(f"printed it to {printed}")


# --- the demo --------------------------------------------------------------------------------
@app.command()
def demo(
    people: Annotated[int, typer.Option(help="Number of people", min=100)] = 50_000,
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for data, workspace and report")
    ] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark")] = "duckdb",
    public: Annotated[
        bool, typer.Option("--public", help="Also write DIR/report-public.html")
    ] = False,
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="End by serving the dashboard and care plane on http://127.0.0.1:PORT "
            "(--no-serve stops after writing the reports, for scripts)",
        ),
    ] = True,
    port: Annotated[int, typer.Option(help="Port to serve on", min=1, max=65535)] = 8000,
) -> None:
    """Synthesise a place, load it, run every analysis, write DIR/report.html, then serve the
    dashboard."""
    from . import synth as synth_mod
    from .ingest import load_file
    from .run import run as run_all
    from .web.report import write_report
    from .workspace import Workspace

    if engine not in ("duckdb", "spark"):
        raise UserError(f"--engine must be duckdb or spark, not {engine!r}")
    started = time.perf_counter()
    data, ws_dir = folder / "data", folder / "workspace"
    with _progress("1/5 synthesise") as progress:
        synth_result = synth_mod.generate(people, seed, 3, data, progress=progress)
    if ws_dir.exists():
        shutil.rmtree(ws_dir)  # the demo owns its folder: start from an empty workspace
    ws = Workspace.create(ws_dir, synth_result.place_path)
    console.print(f"2/5 created workspace {ws_dir} for {ws.place.name}")
    for table in ("person", "registration", "activity", "diagnosis"):
        with _progress(f"3/5 load {table}") as progress:
            result = load_file(ws, table, synth_result.paths[table], progress=progress)
        _print_load(result)
    with _progress(f"4/5 run ({engine})") as progress:
        run_result = run_all(ws, engine=engine, progress=progress)
    report_path = write_report(ws, folder / "report.html")
    console.print(
        f"5/5 wrote [bold]{report_path}[/] (run {run_result.run_id}) "
        f"in {time.perf_counter() - started:,.1f} s"
    )
    if public:
        public_path = write_report(ws, folder / "report-public.html", public=True)
        console.print(f"wrote the public version [bold]{public_path}[/]")
    _demo_care_plane(ws_dir)
    if serve_after:
        from .care.service import open_care_plane
        from .care.service import serve as serve_app

        console.print(
            f"the dashboard: [bold]http://127.0.0.1:{port}/[/] (sign in with a demo sign-in "
            f"above; the public pages at /public/ need none). Ctrl-C stops it."
        )
        serve_app(open_care_plane(ws_dir), "127.0.0.1", port)


def _demo_care_plane(ws_dir: Path) -> None:
    """The demo's care plane: worklists from the run, a made-up roster and demo sign-ins."""
    from .care.demo import read_sign_ins
    from .care.service import open_care_plane, sync_worklists

    care = open_care_plane(ws_dir)
    with _progress("care plane: worklists") as progress:
        result, _made = sync_worklists(care, None, progress)
    care.engine.dispose()
    lists = ", ".join(f"{loc} {n:,}" for loc, n in sorted(result.worklists.items()))
    console.print(f"care plane: worklists of {result.flagged:,} people ({lists})")
    console.print(
        _rich_table(
            "Demo sign-ins (made up for this workspace; also in care-demo-sign-ins.txt)",
            ["username", "role", "password"],
            [list(row) for row in read_sign_ins(ws_dir)],
        )
    )
    console.print(
        f"serve the dashboard and care plane with: [bold]oneplace serve {ws_dir}[/] "
        "(its API is described at /openapi.json)"
    )


# --- the care plane ------------------------------------------------------------------------
audit_app = typer.Typer(help="The care plane's audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@app.command()
def serve(
    workspace: WorkspaceArg,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Processes serving requests (one per core)", min=1, max=64)
    ] = 1,
) -> None:
    """Migrate the care plane's database and serve it (FHIR R4 under /fhir; the OpenAPI
    description at /openapi.json)."""
    from .care.service import open_care_plane
    from .care.service import serve as serve_app

    care = open_care_plane(workspace)
    console.print(
        f"care plane of {care.workspace.place.name} on http://{host}:{port} "
        f"({care.settings.environment}; database {care.engine.url.render_as_string()}; "
        f"{workers} process{'es' if workers > 1 else ''})"
    )
    serve_app(care, host, port, workers)


@app.command("sync-worklists")
def sync_worklists_command(
    workspace: WorkspaceArg,
    roster: Annotated[
        Path | None,
        typer.Option(help="The practices' register (CSV); default: the synthetic demo roster"),
    ] = None,
) -> None:
    """Refresh each locality's worklist from the latest analytics run."""
    from .care.service import open_care_plane, sync_worklists
    from .web.formatting import fy_label

    care = open_care_plane(workspace)
    with _progress("sync worklists") as progress:
        result, made = sync_worklists(care, roster, progress)
    console.print(
        f"run {result.run_id}, {fy_label(result.fy)}: {result.flagged:,} people flagged, "
        f"{result.patients_added:,} patients added, {result.unidentified:,} not on the roster"
    )
    rows = [[loc, f"{n:,}", "new"] for loc, n in sorted(result.worklists.items())]
    rows += [[loc, "", "unchanged (already from this run)"] for loc in result.unchanged]
    console.print(_rich_table("Worklists", ["locality", "entries", "list"], rows))
    if made:
        console.print(
            _rich_table(
                "Demo sign-ins (development only; kept in the workspace's care-demo-sign-ins.txt)",
                ["username", "role", "password"],
                [list(m) for m in made],
            )
        )


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceArg) -> None:
    """Check the audit log's hash chain against its stored tail: exit 1 naming each altered,
    deleted, inserted or reordered event."""
    from .care.service import open_care_plane, verify_audit

    care = open_care_plane(workspace)
    count, problems = verify_audit(care)
    if problems:
        for problem in problems:
            err_console.print(f"[red]{problem}[/]", highlight=False)
        err_console.print(f"[red]the audit log is broken: {len(problems)} problem(s)[/]")
        raise typer.Exit(1)
    console.print(f"the audit log is intact: {count:,} events, hash chain and tail agree")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
