"""The care plane's commands on a workspace: migrate and serve, sync the worklists, verify the
audit log (``oneplace serve``, ``oneplace sync-worklists``, ``oneplace audit verify``).

The care plane's database is the workspace's SQLite file ``care.db`` unless
``ONEPLACE_DATABASE_URL`` names another (PostgreSQL in production); every command brings it to
the newest schema first (``db.migrate``), so a new release's migrations run on the next start.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
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


WORKSPACE_ENV = "ONEPLACE_SERVE_WORKSPACE"
"""How ``serve`` tells its worker processes which workspace they serve."""


def worker_app() -> FastAPI:
    """The application of one worker process (a uvicorn factory): the workspace named by
    ``ONEPLACE_SERVE_WORKSPACE``, whose database ``serve`` has already migrated."""
    from .api import create_app

    ws = Workspace.open(Path(os.environ[WORKSPACE_ENV]))
    settings = settings_for(ws.path)
    engine = db.engine_for(settings.url, pool_pre_ping=True)
    app = create_app(settings, db.session_factory(engine), workspace=ws)
    # the dashboard's pages of the latest run, built while the first visitor is on the way
    threading.Thread(target=app.state.dashboard.warm, daemon=True).start()
    return app


def run_uvicorn(factory: str, host: str, port: int, workers: int, log_level: str) -> None:
    """uvicorn serving the application factory ``factory`` ("module:function") on
    ``host:port`` in ``workers`` processes. With more than one, the listening socket is made
    here with ``proto=IPPROTO_TCP``: uvicorn's own (``Config.bind_socket``) leaves proto 0, so
    asyncio never sets TCP_NODELAY on the accepted connections and every keep-alive request
    after the first waits ~40 ms for a delayed ACK (uvicorn issue #3149)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if workers == 1:
        uvicorn.run(factory, factory=True, host=host, port=port, log_level=log_level)
        return
    config = uvicorn.Config(
        factory, factory=True, host=host, port=port, workers=workers, log_level=log_level
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()


def serve(care: CarePlane, host: str, port: int, workers: int = 1) -> None:
    """Serve the care plane in ``workers`` processes (one per core suits a host of its own:
    each process runs Python on one core at a time)."""
    os.environ[WORKSPACE_ENV] = str(care.workspace.path)
    run_uvicorn(f"{__name__}:worker_app", host, port, workers, "info")
