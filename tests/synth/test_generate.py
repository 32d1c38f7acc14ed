"""The synthetic place: files load into the schema, are consistent and reproducible."""

import re
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow.parquet as pq

from oneplace.place import load_place
from oneplace.schema.tables import ICD10_PATTERN, TABLES, VOCABULARIES
from oneplace.synth import generate
from oneplace.synth.place import build_place
from oneplace.synth.population import borough_counts

FILES = (
    "place.yaml",
    "person.parquet",
    "registration.parquet",
    "activity.parquet",
    "diagnosis.parquet",
)


def sql(out, query):
    con = duckdb.connect()
    for t in TABLES:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{out / (t + '.parquet')}')")
    return con.execute(query).fetchall()


def test_same_seed_gives_identical_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    ra = generate(3_000, seed=11, years=2, out=a)
    generate(3_000, seed=11, years=2, out=b)
    generate(3_000, seed=12, years=2, out=c)
    for f in FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert (a / "activity.parquet").read_bytes() != (c / "activity.parquet").read_bytes()
    assert ra.rows["person"] == 3_000
    assert ra.financial_years == [2023, 2024]


def test_columns_and_types_follow_the_schema(synth_dir):
    for name, table in TABLES.items():
        schema = pq.read_schema(synth_dir / f"{name}.parquet")
        assert schema.names == list(table.column_names)
        # As a SQL engine reads the file, each column has the type the schema declares.
        described = sql(synth_dir, f"SELECT column_name, column_type FROM (DESCRIBE {name})")
        assert described == [(c.name, c.type) for c in table.columns], name
        for col in table.columns:
            nulls = sql(synth_dir, f'SELECT count(*) FROM {name} WHERE "{col.name}" IS NULL')
            if not col.nullable:
                assert nulls[0][0] == 0, (name, col.name)
            if col.vocabulary is not None:
                values = sql(synth_dir, f'SELECT DISTINCT "{col.name}" FROM {name}')
                allowed = set(VOCABULARIES[col.vocabulary.name].values) | {None}
                assert {v for (v,) in values} <= allowed, (name, col.name)


def test_referential_integrity_and_row_rules(synth_dir):
    place = load_place(synth_dir / "place.yaml")
    practices = {p.code for p in place.practices}
    providers = practices | {o.code for o in place.organisations}
    q = lambda s: sql(synth_dir, s)[0][0]  # noqa: E731
    assert q("SELECT count(*) - count(DISTINCT activity_id) FROM activity") == 0
    assert (
        q("SELECT count(*) FROM activity WHERE person_id NOT IN (SELECT person_id FROM person)")
        == 0
    )
    assert (
        q("SELECT count(*) FROM registration WHERE person_id NOT IN (SELECT person_id FROM person)")
        == 0
    )
    assert (
        q("SELECT count(*) FROM diagnosis WHERE person_id NOT IN (SELECT person_id FROM person)")
        == 0
    )
    assert (
        q(
            "SELECT count(*) FROM diagnosis WHERE activity_id IS NOT NULL AND activity_id "
            "NOT IN (SELECT activity_id FROM activity)"
        )
        == 0
    )
    assert q(
        "SELECT count(*) FROM (SELECT DISTINCT person_id, activity_id, date, code_system, "
        "code FROM diagnosis)"
    ) == q("SELECT count(*) FROM diagnosis")
    assert q("SELECT count(*) FROM activity WHERE end_date < start_date") == 0
    assert q("SELECT count(*) FROM registration WHERE end_date < start_date") == 0
    assert (
        q(
            "SELECT count(*) FROM activity a JOIN person p USING (person_id) "
            "WHERE a.start_date > p.date_of_death OR a.end_date > p.date_of_death"
        )
        == 0
    )
    assert q("SELECT min(start_date) FROM activity").isoformat() >= "2022-04-01"
    assert q("SELECT max(end_date) FROM activity").isoformat() <= "2025-03-31"
    assert q("SELECT count(*) FROM activity WHERE cost_gbp < 0") == 0
    assert (
        q(
            "SELECT count(*) FROM activity WHERE setting = 'acute_non_elective' "
            "AND admission_method NOT LIKE '2%'"
        )
        == 0
    )
    assert (
        q(
            "SELECT count(*) FROM activity WHERE setting IN ('acute_elective', 'day_case') "
            "AND admission_method NOT IN ('11', '12', '13')"
        )
        == 0
    )
    assert q("SELECT count(*) FROM diagnosis WHERE position < 1") == 0
    got = {r[0] for r in sql(synth_dir, "SELECT DISTINCT provider_code FROM activity")}
    assert got <= providers
    regs = {r[0] for r in sql(synth_dir, "SELECT DISTINCT practice_code FROM registration")}
    assert regs <= practices
    # some move practice, some die, most have one registration throughout
    assert (
        q(
            "SELECT count(*) FROM (SELECT person_id FROM registration GROUP BY 1 "
            "HAVING count(*) > 1)"
        )
        > 0
    )
    assert q("SELECT count(*) FROM person WHERE date_of_death IS NOT NULL") > 0
    assert 0.015 < q("SELECT avg(opted_out::INT) FROM person") < 0.05
    # a registration covers every activity date of a registered person
    assert (
        q("""SELECT count(*) FROM activity a WHERE NOT EXISTS (SELECT 1 FROM registration r
             WHERE r.person_id = a.person_id AND r.start_date <= a.start_date)""")
        == 0
    )


def test_place_budget_matches_spend(synth_dir):
    place = load_place(synth_dir / "place.yaml")
    assert [loc.lad_code for loc in place.localities] == ["E09000002", "E09000016", "E09000026"]
    assert sum(o.partner for o in place.organisations) == 8
    spend = dict(
        sql(
            synth_dir,
            "SELECT year(start_date - INTERVAL 3 MONTH), sum(cost_gbp) FROM activity GROUP BY 1",
        )
    )
    assert sorted(b.year for b in place.budgets) == [2022, 2023, 2024]
    for b in place.budgets:
        assert abs(b.total_gbp / Decimal(spend[b.year]) - 1) < Decimal("0.035")
        assert set(b.by_setting) == set(VOCABULARIES["setting"].values)
        assert b.by_organisation and sum(b.by_organisation.values()) <= b.total_gbp


def test_place_has_an_outcomes_framework_feeding_the_quality_gate(synth_dir):
    """Eight library indicators, each target better than its baseline, a pool of 1% of the
    budget paid to the risk-share partners; the agreement declares no score of its own."""
    place = load_place(synth_dir / "place.yaml")
    framework = place.outcomes
    assert len(framework.indicators) == 8
    assert framework.incentive_pool_pct == Decimal("1") and not framework.partners
    assert all(i.target < i.baseline for i in framework.indicators)  # lower is better for all
    assert place.risk_share.quality_gate is not None and place.risk_share.quality_score is None


def test_full_size_place_has_real_structure():
    counts = borough_counts(800_000)
    frame = build_place(counts, np.random.Generator(np.random.PCG64(1)))
    place = frame.place
    assert 90 <= len(place.practices) <= 115
    assert all(re.fullmatch(r"[A-Z][0-9]{5}", p.code) for p in place.practices)
    per_network = {}
    for p in place.practices:
        per_network[p.network] = per_network.get(p.network, 0) + 1
        assert p.organisation == "BHRGPF"
    assert all(8 <= n <= 15 for n in per_network.values())
    sizes = counts.sum() * frame.practice_weight / frame.practice_weight.sum()
    assert 7_000 < sizes.mean() < 9_500 and sizes.min() > 2_000 and sizes.max() < 25_000
    small = build_place(borough_counts(300), np.random.Generator(np.random.PCG64(1))).place
    assert len(small.localities) == 3 and len(small.networks) == 3


def test_tiny_place_generates(tmp_path):
    r = generate(40, seed=3, years=1, out=tmp_path)
    assert r.rows["person"] == 40
    assert load_place(r.place_path).budgets[0].year == 2024


def test_codes_are_valid_icd10_from_the_reference_list(synth_dir):
    from oneplace import reference

    listed = set(reference.read("icd10_codes").code)
    codes = {r[0] for r in sql(synth_dir, "SELECT DISTINCT code FROM diagnosis")}
    assert all(re.fullmatch(ICD10_PATTERN, c) for c in codes)
    assert codes <= listed
    assert {"W19X", "F059", "S720"} & codes  # frailty codes appear on admissions
    assert sql(synth_dir, "SELECT count(*) FROM diagnosis WHERE activity_id IS NULL")[0][0] > 0


def test_admissions_the_outcome_indicators_count(synth_dir):
    """Deaths in hospital end an emergency admission on the day of death; falls admissions
    (an injury with W19X beside it) are of people 65 and over; readmissions come soon after a
    discharge (about a fifth within two days)."""
    q = lambda s: sql(synth_dir, s)[0]  # noqa: E731
    dying, ending = q("""SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM activity a
        WHERE a.person_id = p.person_id AND a.setting = 'acute_non_elective'
          AND a.end_date = p.date_of_death))
        FROM person p WHERE date_of_death IS NOT NULL""")
    assert 0.3 < ending / dying < 0.6
    falls, older = q("""SELECT count(*), count(*) FILTER (WHERE 2022 - p.year_of_birth >= 64)
        FROM diagnosis w JOIN activity a USING (activity_id)
        JOIN person p ON p.person_id = a.person_id
        JOIN diagnosis d ON d.activity_id = a.activity_id AND d.position = 1
        WHERE w.code = 'W19X' AND a.setting = 'acute_non_elective'
          AND (d.code LIKE 'S%' OR d.code LIKE 'T%')""")
    # (a younger person's injury admission may carry W19X by chance, rarely)
    assert falls > 50 and older / falls > 0.95
    gaps = dict(
        sql(
            synth_dir,
            """SELECT least(datediff('day', b.end_date, a.start_date), 2), count(*)
            FROM activity a JOIN activity b USING (person_id)
            WHERE a.setting = 'acute_non_elective' AND b.setting = 'acute_non_elective'
              AND a.activity_id <> b.activity_id
              AND a.start_date BETWEEN b.end_date AND b.end_date + 29 GROUP BY 1""",
        )
    )
    soon = (gaps.get(0, 0) + gaps.get(1, 0)) / sum(gaps.values())
    assert 0.12 < soon < 0.35


def test_care_home_placements_are_a_first_row_and_continuing_months(synth_dir):
    """A placement is one unbroken run of monthly rows, from its first day to the person's
    death or the period's end, in one kind of home."""
    q = lambda s: sql(synth_dir, s)[0]  # noqa: E731
    people, broken, short, kinds = q("""
        WITH r AS (SELECT person_id, start_date, end_date, activity_type,
                   lag(end_date) OVER (PARTITION BY person_id ORDER BY start_date) AS before
                   FROM activity WHERE activity_type LIKE 'care_home%'),
             p AS (SELECT person_id, max(end_date) AS last, count(DISTINCT activity_type) AS k
                   FROM r GROUP BY 1)
        SELECT count(*),
               (SELECT count(*) FROM r WHERE before IS NOT NULL AND start_date <> before + 1),
               count(*) FILTER (WHERE last <> coalesce(x.date_of_death, DATE '2025-03-31')),
               max(k)
        FROM p JOIN person x USING (person_id)""")
    assert people > 50 and broken == 0 and short == 0 and kinds == 1
