"""Type aliases for annotating code that calls keyrack (present at runtime too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Literal, Mapping, Optional, Tuple, TypedDict, Union

from keyrack._keyrack import RateLimit, Refill

#: A key's lifecycle state, as ``Store.list(status=...)`` filters it
#: (``keyrack.STATUSES``, in the same order).
Status = Literal["active", "revoked", "disabled", "expired"]

#: What an audit event records (``keyrack.AUDIT_KINDS``, in the same order).
#: Events about pools and prefixes (``pool_set``, ``pool_credits_added``,
#: ``prefix_added``, ``prefix_removed``) have an empty ``id``.
AuditKind = Literal[
    "issued",
    "revoked",
    "rotated",
    "updated",
    "enabled",
    "disabled",
    "purged",
    "credits_added",
    "pool_set",
    "pool_credits_added",
    "prefix_added",
    "prefix_removed",
]

#: Request headers: a mapping (dict, framework header objects) or (name, value) pairs.
Headers = Union[
    Mapping[str, str],
    Mapping[bytes, bytes],
    Iterable[Tuple[str, str]],
    Iterable[Tuple[bytes, bytes]],
]


class IssueOptions(TypedDict, total=False):
    """The keyword arguments of ``Store.issue``, as one item of ``issue_many``."""

    name: str
    description: Optional[str]
    owner: Optional[str]
    scopes: Iterable[str]
    meta: Mapping[str, str]
    prefix: Optional[str]
    expires_in: Optional[timedelta]
    expires_at: Optional[datetime]
    remaining: Optional[int]
    refill: Optional[Refill]
    shared_credits: bool
    rate_limit: Optional[RateLimit]


__all__ = ["AuditKind", "Headers", "IssueOptions", "Status"]
