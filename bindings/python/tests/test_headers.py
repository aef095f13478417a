"""keyrack.extract_key and Store.verify_headers over the usual header shapes."""

from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

import keyrack


class MultiDict:
    """A framework-style header object: `.items()` may repeat names."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> Iterator[Tuple[str, str]]:
        return iter(self.pairs)


def test_extract_key_shapes() -> None:
    assert keyrack.extract_key({"X-API-Key": "k1"}) == "k1"
    assert keyrack.extract_key({"authorization": "Bearer k2"}) == "k2"
    assert keyrack.extract_key({"Authorization": "api-key  k3 "}) == "k3"
    assert keyrack.extract_key({"Authorization": "Basic abc"}) is None
    assert keyrack.extract_key({"Authorization": "Bearer "}) is None
    assert keyrack.extract_key({}) is None
    assert keyrack.extract_key([("authorization", "Bearer b"), ("x-api-key", "a")]) == "a"
    assert keyrack.extract_key([(b"x-api-key", b"raw")]) == "raw"  # ASGI raw headers
    assert keyrack.extract_key(MultiDict([("Accept", "*/*"), ("X-Api-Key", "m")])) == "m"


def test_verify_headers(store: keyrack.Store) -> None:
    a = store.issue(scopes=["read"])
    headers: Dict[str, str] = {"Authorization": f"Bearer {a.key}"}
    assert store.verify_headers(headers, scopes=["read"])
    assert store.verify_headers(headers, scopes=["write"]).outcome == "insufficient_scope"
    missing = store.verify_headers({"accept": "*/*"})
    assert missing.outcome == keyrack.Outcome.MISSING
    assert (missing.http_status, missing.message) == (401, "API key is required")
    assert store.verify_headers({"x-api-key": "kr_junk"}).outcome == "malformed"
