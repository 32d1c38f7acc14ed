"""User errors: one exception family, shown without a traceback, each with a stable exit code."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input. The CLI prints ``str(err)`` and exits with ``exit_code``."""

    exit_code = 2

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []

    def __str__(self) -> str:
        head = super().__str__()
        return "\n".join([head, *("  " + d for d in self.details)])


class PlaceError(UserError):
    """The place file is unreadable or invalid; ``details`` holds one line per problem."""


class LoadError(UserError):
    """A file cannot be loaded at all (unreadable, missing column); nothing was loaded."""


class WorkspaceError(UserError):
    """The workspace is missing, not a workspace, or lacks what the command needs."""
