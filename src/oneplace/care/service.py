"""The care plane's commands on a workspace: migrate and serve, sync the worklists, verify the
audit log (``oneplace serve``, ``oneplace sync-worklists``, ``oneplace audit verify``).

The care plane's database is the workspace's SQLite file ``care.db`` unless
``ONEPLACE_DATABASE_URL`` names another (PostgreSQL in production); every command brings it to
the newest schema first (``db.migrate``), so a new release's migrations run on the next start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from ..workspace import Workspace
from . import db
from .audit_chain import ChainProblem
from .audit_store import stored_tail, verify_store
from .demo import ensure_demo_users, write_sign_ins
from .roster import DemoRoster, FileRoster, RosterError
from .settings import CareSettings, settings_for
from .worklists import SyncResult, sync, sync_organisations


@dataclass
class CarePlane:
    workspace: Workspace
    settings: CareSettings
    engine: Engine


def open_care_plane(workspace: Path, **overrides: object) -> CarePlane:
    """The workspace, its care-plane settings and a migrated database engine."""
    ws = Workspace.open(workspace)
    settings = settings_for(ws.path, **overrides)
    db.migrate(settings.url)
    engine = db.engine_for(settings.url, pool_pre_ping=True)
    with db.session_factory(engine)() as session:
        sync_organisations(session, ws.place)
        session.commit()
    return CarePlane(ws, settings, engine)


def sync_worklists(
    care: CarePlane,
    roster_file: Path | None = None,
    progress: Callable[[str, float], None] = lambda _s, _f: None,
    now: datetime | None = None,
) -> tuple[SyncResult, list[tuple[str, str, str]]]:
    """Refresh the worklists from the latest run (one transaction); in development also make
    the demo users. Without ``roster_file`` the synthetic place's demo roster is used, which
    only development allows."""
    if roster_file is not None:
        roster = FileRoster(roster_file, care.settings.secret("pseudonym_secret"))
    elif care.settings.environment == "development":
        roster = DemoRoster(town=care.workspace.place.name)
    else:
        raise RosterError(
            "outside development the worklists need --roster FILE (the practices' register); "
            "the made-up demo roster is for the synthetic place only"
        )
    now = now or datetime.now(UTC)
    made: list[tuple[str, str, str]] = []
    with db.session_factory(care.engine)() as session:
        result = sync(session, care.workspace, roster, now, progress)
        if care.settings.environment == "development":
            made = ensure_demo_users(session, care.workspace.place)
        session.commit()
    write_sign_ins(care.workspace.path, made)
    return result, made


def verify_audit(care: CarePlane) -> tuple[int, list[ChainProblem]]:
    """The number of events the tail names, and every break in the chain."""
    with db.session_factory(care.engine)() as session:
        return stored_tail(session).count, verify_store(session)


def serve(care: CarePlane, host: str, port: int) -> None:
    import uvicorn

    from .api import create_app

    app = create_app(care.settings, db.session_factory(care.engine))
    uvicorn.run(app, host=host, port=port, log_level="info")
