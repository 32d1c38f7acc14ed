"""Hostile input: Schemathesis generates requests from the service's OpenAPI description, valid
and invalid, and checks that no answer is a server error and every answer matches what the
description promises (status code, content type, body schema, headers). Bounded for CI: a few
dozen examples per operation, signed in as a clinician and as an auditor, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import sessionmaker

from oneplace.care.api import create_app

from .conftest import care_settings
from .world import World, headers

EXAMPLES = 25


@pytest.fixture(scope="module", params=["gp.team", "auditor"])
def api(request: pytest.FixtureRequest, care_engine) -> Iterator[tuple[object, dict]]:
    """The service over a committed world (the fuzzer's requests commit as they go), and the
    sign-in header of one user; the tables are emptied afterwards."""
    connection = care_engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    with sessions() as session:
        world = World(session)
        auth_headers = headers(world, request.param)
    app = create_app(care_settings(), sessions)
    try:
        yield app, auth_headers
    finally:
        outer.rollback()
        connection.close()


def _operations() -> list[str]:
    """Every operation's label, read from the description (no database needed for it)."""
    app = create_app(care_settings(), sessionmaker())
    loaded = schemathesis.openapi.from_dict(app.openapi())
    return sorted(result.ok().label for result in loaded.get_all_operations())


@pytest.fixture(scope="module")
def api_schema(api):
    app, _ = api
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("label", _operations())
def test_the_service_keeps_its_openapi_promises(api, api_schema, label: str) -> None:
    _, auth_headers = api
    operation = api_schema.find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case) -> None:
        case.call_and_validate(headers=auth_headers)

    check()
