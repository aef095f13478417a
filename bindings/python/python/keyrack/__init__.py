"""keyrack: an embedded API-key engine.

Issue prefixed, checksummed API keys, keep only their keyed hashes in one
file, and verify them in-process::

    import keyrack

    with keyrack.Store("keys.redb") as store:
        issued = store.issue(name="ci", scopes=["deploy"])
        print(issued.key)                      # the secret: shown once
        if store.verify(issued.key, scopes=["deploy"]):
            ...                                # let the request in

Outcomes are values (``keyrack.Outcome``), never exceptions; store failures
raise subclasses of ``keyrack.Error``. The core's lists are here as they are:
``keyrack.OUTCOMES`` (name, HTTP status, message), ``keyrack.ERROR_KINDS``
(code, number), ``keyrack.AUDIT_KINDS`` and ``keyrack.STATUSES``.
"""

from __future__ import annotations

import enum
from typing import Dict, Tuple

from keyrack import format
from keyrack._errors import (
    AlreadyOpen,
    Closed,
    Corrupted,
    Error,
    IncompatibleVersion,
    InvalidArgument,
    Io,
    NeedsRecovery,
    NotFound,
    PepperMismatch,
    ReadOnly,
    WrongProcess,
)
from keyrack._types import AuditKind, Headers, IssueOptions, Status
from keyrack._keyrack import (
    AUDIT_KINDS,
    DEFAULT_PREFIX,
    ERROR_KINDS,
    FORMAT_VERSION,
    OUTCOMES,
    STATUSES,
    AuditEvent,
    Fault,
    Health,
    ImportCheck,
    Issued,
    KeyIterator,
    KeyRecord,
    ManualClock,
    Page,
    Pool,
    RateLimit,
    Refill,
    Store,
    Verification,
    __version__,
    extract_key,
)

_OUTCOME_INFO: Dict[str, Tuple[int, str]] = {
    name: (status, message) for name, status, message in OUTCOMES
}


class Outcome(str, enum.Enum):
    """What a verify found. A ``str``: ``v.outcome == "valid"`` holds."""

    VALID = "valid"
    MALFORMED = "malformed"
    NOT_FOUND = "not_found"
    REVOKED = "revoked"
    DISABLED = "disabled"
    EXPIRED = "expired"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    RATE_LIMITED = "rate_limited"
    USAGE_EXCEEDED = "usage_exceeded"
    MISSING = "missing"

    @property
    def http_status(self) -> int:
        """The HTTP status to answer with: 200, 401, 403 or 429."""
        return _OUTCOME_INFO[self.value][0]

    @property
    def message(self) -> str:
        """A short message safe to show the caller."""
        return _OUTCOME_INFO[self.value][1]

    def __str__(self) -> str:
        return self.value


__all__ = [
    "AUDIT_KINDS",
    "DEFAULT_PREFIX",
    "ERROR_KINDS",
    "FORMAT_VERSION",
    "OUTCOMES",
    "STATUSES",
    "AlreadyOpen",
    "AuditEvent",
    "AuditKind",
    "Headers",
    "IssueOptions",
    "Status",
    "Closed",
    "Corrupted",
    "Error",
    "Fault",
    "Health",
    "IncompatibleVersion",
    "InvalidArgument",
    "Io",
    "ImportCheck",
    "Issued",
    "KeyIterator",
    "KeyRecord",
    "ManualClock",
    "NeedsRecovery",
    "NotFound",
    "Outcome",
    "Page",
    "PepperMismatch",
    "Pool",
    "RateLimit",
    "ReadOnly",
    "Refill",
    "Store",
    "Verification",
    "WrongProcess",
    "__version__",
    "extract_key",
    "format",
]
