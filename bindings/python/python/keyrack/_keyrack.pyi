"""Types of keyrack's native module; import them from ``keyrack``."""

import os
import pathlib
from datetime import datetime, timedelta
from typing import (
    Any,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Generic,
    Union,
    final,
    overload,
)

from _typeshed import SupportsWrite

from keyrack import Outcome
from keyrack._types import AuditKind, Headers, IssueOptions, Status

__all__ = [
    "AUDIT_KINDS",
    "AuditEvent",
    "DEFAULT_PREFIX",
    "ERROR_KINDS",
    "FORMAT_VERSION",
    "Fault",
    "Health",
    "ImportCheck",
    "Issued",
    "KEY_REGEX",
    "KeyIterator",
    "KeyRecord",
    "ManualClock",
    "OUTCOMES",
    "Page",
    "ParsedKey",
    "Pool",
    "RateLimit",
    "Refill",
    "STATUSES",
    "Store",
    "Verification",
    "__version__",
    "compose",
    "extract_key",
    "parse",
    "validate_prefix",
]

__version__: str
DEFAULT_PREFIX: str
FORMAT_VERSION: int
KEY_REGEX: str
#: ``(code, number)`` of every core error kind (``ErrorKind::ALL``), in number order.
ERROR_KINDS: List[Tuple[str, int]]
#: ``(name, http_status, message)`` of every core outcome (``Outcome::ALL``), ``missing`` last.
OUTCOMES: List[Tuple[str, int, str]]
#: Every audit event kind (``AuditKind::ALL``).
AUDIT_KINDS: List[AuditKind]
#: Every key status (``Status::ALL``).
STATUSES: List[Status]

@final
class RateLimit:
    """At most ``limit`` verifies per ``window``."""

    def __new__(cls, limit: int, window: timedelta) -> RateLimit: ...
    @property
    def limit(self) -> int: ...
    @property
    def window(self) -> timedelta: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Refill:
    """Every ``every``, the balance is topped up to ``amount``."""

    def __new__(cls, amount: int, every: timedelta) -> Refill: ...
    @property
    def amount(self) -> int: ...
    @property
    def every(self) -> timedelta: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Pool:
    """An owner's shared credit balance."""

    @property
    def remaining(self) -> int: ...
    @property
    def refill(self) -> Optional[Refill]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class KeyRecord:
    """Everything a store keeps about a key, never its secret."""

    @property
    def id(self) -> str: ...
    @property
    def prefix(self) -> str: ...
    @property
    def hint(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def owner(self) -> Optional[str]: ...
    @property
    def scopes(self) -> FrozenSet[str]: ...
    @property
    def meta(self) -> Dict[str, str]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def expires_at(self) -> Optional[datetime]: ...
    @property
    def revoked_at(self) -> Optional[datetime]: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def last_used_at(self) -> Optional[datetime]: ...
    @property
    def uses(self) -> int: ...
    @property
    def denied(self) -> Dict[str, int]: ...
    @property
    def remaining(self) -> Optional[int]: ...
    @property
    def refill(self) -> Optional[Refill]: ...
    @property
    def shared_credits(self) -> bool: ...
    @property
    def rate_limit(self) -> Optional[RateLimit]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Issued:
    """A newly issued or rotated key; ``key`` is the secret, shown once."""

    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def record(self) -> KeyRecord: ...

@final
class Verification:
    """What a verify found; truthy only when the outcome is ``valid``."""

    @property
    def outcome(self) -> Outcome: ...
    @property
    def record(self) -> Optional[KeyRecord]: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def remaining(self) -> Optional[int]: ...
    @property
    def retry_after(self) -> Optional[timedelta]: ...
    @property
    def is_valid(self) -> bool: ...
    @property
    def http_status(self) -> int: ...
    @property
    def message(self) -> str: ...
    def __bool__(self) -> bool: ...

@final
class AuditEvent:
    """One audit log entry (never a secret)."""

    @property
    def at(self) -> datetime: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> AuditKind: ...
    @property
    def id(self) -> str: ...
    @property
    def detail(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

_T = TypeVar("_T", KeyRecord, AuditEvent)

@final
class Page(Generic[_T]):
    """One page of ``list()`` (KeyRecord items) or ``audit()`` (AuditEvent items)."""

    @property
    def items(self) -> List[_T]: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    def __iter__(self) -> Iterator[_T]: ...
    def __len__(self) -> int: ...
    @classmethod
    def __class_getitem__(cls, item: Any) -> Any: ...

@final
class KeyIterator(Generic[_T]):
    """Walks every page of ``iter_keys()`` or ``iter_audit()``."""

    def __iter__(self) -> KeyIterator[_T]: ...
    def __next__(self) -> _T: ...
    @classmethod
    def __class_getitem__(cls, item: Any) -> Any: ...

@final
class ImportCheck:
    """What ``check_import_json_lines()`` found: the text would import."""

    @property
    def records(self) -> int: ...
    @property
    def pools(self) -> int: ...
    @property
    def already_present(self) -> List[Tuple[int, str]]:
        """``(line, id)`` of records whose id the store already has."""
        ...

@final
class Fault:
    """One storage failure, as ``Health.last_error`` reports it."""

    @property
    def kind(self) -> str:
        """The error's code: ``"IO"`` or ``"CORRUPTED"``."""
        ...
    @property
    def message(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def background(self) -> bool:
        """Whether the background counter flush met it (no caller saw it)."""
        ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Health:
    """How the store's storage is doing (``Store.health()``)."""

    @property
    def ok(self) -> bool: ...
    @property
    def last_error(self) -> Optional[Fault]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class ManualClock:
    """A test clock that moves only when told to; pass as ``Store(clock=...)``."""

    def __new__(cls, start: datetime) -> ManualClock: ...
    def advance(self, by: timedelta) -> None: ...
    def set(self, to: datetime) -> None: ...
    def now(self) -> datetime: ...

@final
class ParsedKey:
    """The parts of a well-formed key."""

    @property
    def prefix(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def check(self) -> str: ...
    @property
    def hint(self) -> str: ...

@final
class Store:
    """A keyrack store file opened by this process; a context manager."""

    def __new__(
        cls,
        path: Union[str, "os.PathLike[str]"],
        *,
        prefix: Optional[str] = None,
        prefixes: Optional[Sequence[str]] = None,
        pepper: Optional[bytes] = None,
        read_only: bool = False,
        create: bool = True,
        clock: Optional[ManualClock] = None,
        leeway: Optional[timedelta] = None,
        flush_interval: Optional[timedelta] = None,
        cache_capacity: Optional[int] = None,
        credit_lease: Optional[int] = None,
        check_integrity: bool = True,
    ) -> Store: ...
    @property
    def path(self) -> pathlib.Path: ...
    @property
    def default_prefix(self) -> str: ...
    @property
    def prefixes(self) -> List[str]: ...
    @property
    def read_only(self) -> bool: ...
    def add_prefix(self, prefix: str) -> List[str]: ...
    def remove_prefix(self, prefix: str) -> List[str]: ...
    def health(self) -> Health: ...
    def verify(
        self, key: str, *, scopes: Optional[Iterable[str]] = None, cost: Optional[int] = None
    ) -> Verification: ...
    def verify_headers(
        self,
        headers: Headers,
        *,
        scopes: Optional[Iterable[str]] = None,
        cost: Optional[int] = None,
    ) -> Verification: ...
    def issue(
        self,
        name: Optional[str] = None,
        *,
        description: Optional[str] = None,
        owner: Optional[str] = None,
        scopes: Optional[Iterable[str]] = None,
        meta: Optional[Mapping[str, str]] = None,
        prefix: Optional[str] = None,
        expires_in: Optional[timedelta] = None,
        expires_at: Optional[datetime] = None,
        remaining: Optional[int] = None,
        refill: Optional[Refill] = None,
        shared_credits: Optional[bool] = None,
        rate_limit: Optional[RateLimit] = None,
    ) -> Issued: ...
    def issue_many(
        self, batch: Iterable[IssueOptions], *, durable: bool = True
    ) -> List[Issued]: ...
    def get(self, id: str) -> KeyRecord: ...
    def list(
        self,
        *,
        owner: Optional[str] = None,
        prefix: Optional[str] = None,
        status: Optional[Status] = None,
        unused_since: Optional[datetime] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[KeyRecord]: ...
    def iter_keys(
        self,
        *,
        owner: Optional[str] = None,
        prefix: Optional[str] = None,
        status: Optional[Status] = None,
        unused_since: Optional[datetime] = None,
        page_size: Optional[int] = None,
    ) -> KeyIterator[KeyRecord]: ...
    def audit(
        self,
        *,
        id: Optional[str] = None,
        kind: Optional[AuditKind] = None,
        since: Optional[datetime] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[AuditEvent]: ...
    def iter_audit(
        self,
        *,
        id: Optional[str] = None,
        kind: Optional[AuditKind] = None,
        since: Optional[datetime] = None,
        page_size: Optional[int] = None,
    ) -> KeyIterator[AuditEvent]: ...
    def update(
        self,
        id: str,
        *,
        name: str = ...,
        description: Optional[str] = ...,
        owner: Optional[str] = ...,
        scopes: Optional[Iterable[str]] = ...,
        meta: Optional[Mapping[str, str]] = ...,
        expires_at: Optional[datetime] = ...,
        expires_in: Optional[timedelta] = ...,
        remaining: Optional[int] = ...,
        refill: Optional[Refill] = ...,
        rate_limit: Optional[RateLimit] = ...,
        shared_credits: bool = ...,
    ) -> KeyRecord: ...
    def enable(self, id: str) -> KeyRecord: ...
    def disable(self, id: str) -> KeyRecord: ...
    def revoke(self, id: str) -> KeyRecord: ...
    def rotate(self, id: str, *, grace: Optional[timedelta] = None) -> Issued: ...
    def add_credits(self, id: str, credits: int) -> KeyRecord: ...
    def purge(self, older_than: Optional[timedelta] = None) -> int: ...
    def set_pool(self, owner: str, remaining: int, *, refill: Optional[Refill] = None) -> Pool: ...
    def add_pool_credits(self, owner: str, credits: int) -> Pool: ...
    def pool(self, owner: str) -> Optional[Pool]: ...
    @overload
    def export(self, file: None = None) -> str: ...
    @overload
    def export(self, file: SupportsWrite[str]) -> int: ...
    def import_json_lines(self, text: str) -> int: ...
    def check_import_json_lines(self, text: str) -> ImportCheck: ...
    def sync(self) -> None: ...
    def compact(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> bool: ...

def extract_key(headers: Headers) -> Optional[str]: ...
def parse(key: str) -> ParsedKey: ...
def validate_prefix(prefix: str) -> None: ...
def compose(prefix: str, body: bytes) -> str: ...
