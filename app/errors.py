"""One exception hierarchy for everything a user can see go wrong.

`ReturnBenchError` carries a message a warehouse worker understands and says what to do
next. Environment faults (database down, printer off, camera gone) are kept apart from
bad input, and anything else is a bug. `user_message` turns any exception into text.
"""

from __future__ import annotations


class ReturnBenchError(Exception):
    """A failure the user can act on. `str(err)` is the one-line message to show."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(ReturnBenchError):
    """The user or a file gave something we cannot use (bad CSV row, malformed case)."""

    exit_code = 2


class UsageError(BadInput):
    """A command line that does not make sense."""


class NotFound(ReturnBenchError):
    """A code, parcel, RMA or record that does not exist or is not recognised."""

    exit_code = 3


class PermissionDenied(ReturnBenchError):
    """The signed-in user's role may not do this."""


class SignedOut(PermissionDenied):
    """The signed-in user is not, on file, who signed in: deactivated by an admin, or
    given another role since. The action is refused and the station goes back to
    sign-in; the sentence says why."""


class AuthenticationFailed(ReturnBenchError):
    """Wrong user or PIN, or the user is locked."""


class EnvironmentFault(ReturnBenchError):
    """Something outside the app failed: database, disk, printer, camera."""


class DatabaseUnavailable(EnvironmentFault):
    """The database cannot be opened or went away."""


class Conflict(ReturnBenchError):
    """Another bench has the thing, or changed it at the same moment."""


class NeedsServer(ReturnBenchError):
    """The bench is working offline and this needs the server (an approval, another
    bench's hold, an export): it waits until the server answers."""


class ItemHeld(Conflict):
    """Another bench is working on this item."""


class Contention(Conflict):
    """Two benches wrote the same rows at once and the database undid one (deadlock,
    serialization failure, locked SQLite file). Safe to run the whole action again."""


class SchemaTooNew(EnvironmentFault):
    """The database was upgraded by a newer ReturnBench than this one."""


class DataDirUnwritable(EnvironmentFault):
    """The data directory cannot be written."""


def user_message(exc: BaseException) -> str:
    """The single line to show a user for any exception."""
    if isinstance(exc, ReturnBenchError):
        return exc.message
    return (
        f"Unexpected error ({type(exc).__name__}): {exc}. "
        "The details are in the log; please tell your supervisor."
    )


def exit_code(exc: BaseException) -> int:
    """The CLI exit code for an exception (see DESIGN.md, command line contract)."""
    if isinstance(exc, ReturnBenchError):
        return exc.exit_code
    return 1
