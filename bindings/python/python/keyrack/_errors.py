"""keyrack's exception tree: one class per core error kind, under keyrack.Error.

Each class has ``code``, the core's stable name for the kind (``NOT_FOUND``…),
and subclasses the builtin that fits where one does, so ``except ValueError``
or ``except LookupError`` code keeps working.
"""

from __future__ import annotations

from typing import Dict, Optional, Type


class Error(Exception):
    """Base class of every keyrack error. ``code`` names the kind."""

    code: str = "ERROR"


class InvalidArgument(Error, ValueError):
    """An argument was rejected; ``field`` names it and ``reason`` says why.

    For imported text (``import_json_lines``, ``check_import_json_lines``),
    ``line`` is the 1-based line refused (blank lines counted), else None.
    """

    code = "INVALID_ARGUMENT"
    field: Optional[str] = None
    reason: Optional[str] = None
    line: Optional[int] = None


class NotFound(Error, LookupError):
    """No key with this id (management calls only; verify answers not_found)."""

    code = "NOT_FOUND"
    id: Optional[str] = None


class AlreadyOpen(Error):
    """Another process, or another handle in this process, holds the store file."""

    code = "ALREADY_OPEN"
    path: Optional[str] = None


class WrongProcess(Error, RuntimeError):
    """The handle was opened by a parent process and used after fork()."""

    code = "WRONG_PROCESS"


class PepperMismatch(Error, ValueError):
    """The pepper does not match the one the store was created with."""

    code = "PEPPER_MISMATCH"


class IncompatibleVersion(Error):
    """The file was written in a format this build cannot read."""

    code = "INCOMPATIBLE_VERSION"
    found: Optional[int] = None
    supported: Optional[int] = None


class Corrupted(Error):
    """The file is damaged or is not a keyrack store."""

    code = "CORRUPTED"


class ReadOnly(Error):
    """A write was attempted on a store opened read-only."""

    code = "READ_ONLY"


class Io(Error, OSError):
    """The operating system failed a read, write or sync."""

    code = "IO"


class Closed(Error, ValueError):
    """The store was closed (like an operation on a closed file, a ValueError)."""

    code = "CLOSED"


class NeedsRecovery(Error):
    """A read-only open found a file whose writer stopped without closing it
    (it crashed). Nothing acknowledged is lost: open it read-write once to
    recover it, then read-only opens work again. ``path`` is the file."""

    code = "NEEDS_RECOVERY"
    path: Optional[str] = None


#: Every class by its ``code``; the native module raises through this table.
BY_CODE: Dict[str, Type[Error]] = {
    cls.code: cls
    for cls in (
        Error,
        InvalidArgument,
        NotFound,
        AlreadyOpen,
        WrongProcess,
        PepperMismatch,
        IncompatibleVersion,
        Corrupted,
        ReadOnly,
        Io,
        Closed,
        NeedsRecovery,
    )
}

# Shown as keyrack.NotFound (not keyrack._errors.NotFound) in tracebacks.
for _cls in BY_CODE.values():
    _cls.__module__ = "keyrack"
del _cls
