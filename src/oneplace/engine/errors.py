"""The engine's user error: which capability failed, at which step, and the SQL it ran.

Following Splink, an error raised by a backend while building, compiling or materialising a
result is re-raised naming the result (the capability) and the step, with the SQL attached as
detail lines, so that a user (or a bug report) shows where the pipeline broke.
"""

from __future__ import annotations

from ..errors import UserError


class EngineError(UserError):
    """A result could not be built or materialised. ``capability`` and ``step`` say where."""

    exit_code = 3

    def __init__(self, capability: str, step: str, cause: BaseException, sql: str | None = None):
        self.capability = capability
        self.step = step
        self.sql = sql
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        details = [f"{type(cause).__name__}: {reason}"]
        if sql:
            details += ["SQL:", *sql.splitlines()]
        super().__init__(f"engine: {capability!r} failed at step {step!r}", details)
