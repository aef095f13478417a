"""A typed example: an API-key gate for a small service.

`mypy --strict examples/` checks it (test.sh), so it shows that keyrack's
stubs are complete enough for strictly typed code; `python examples/service.py`
runs it.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import keyrack
from keyrack import IssueOptions, KeyRecord, Outcome, Verification

Response = Tuple[int, Dict[str, str]]


class Gate:
    """Lets a request in when its key is valid for the scopes it needs."""

    def __init__(self, store: keyrack.Store) -> None:
        self.store = store

    def check(self, headers: Mapping[str, str], scopes: List[str]) -> Response:
        v: Verification = self.store.verify_headers(headers, scopes=scopes)
        if not v:
            outcome: Outcome = v.outcome
            body = {"error": outcome.value, "message": v.message}
            if v.retry_after is not None:
                body["retry_after_s"] = str(v.retry_after.total_seconds())
            return v.http_status, body
        record: Optional[KeyRecord] = v.record
        owner = record.owner if record is not None and record.owner is not None else "-"
        return 200, {"owner": owner}


def onboard(store: keyrack.Store, org: str, names: List[str]) -> Dict[str, str]:
    """Issues one key per name for `org`; returns name -> secret (shown once)."""
    batch: List[IssueOptions] = [
        {"name": n, "owner": org, "scopes": ["read"], "expires_in": timedelta(days=30)}
        for n in names
    ]
    return {i.record.name: i.key for i in store.issue_many(batch)}


def stale_keys(store: keyrack.Store, unused_for: timedelta) -> List[str]:
    since = datetime.now(timezone.utc) - unused_for
    return [r.id for r in store.iter_keys(status="active", unused_since=since)]


def backup(store: keyrack.Store, to: Path) -> int:
    """Writes every record (never a secret) to `to`; returns how many."""
    with to.open("w", encoding="utf-8") as f:
        return store.export(f)


def restore(store: keyrack.Store, lines: Path) -> int:
    """Imports a backup, all or nothing, after a dry run that names the ids the
    store already has; its keys need a rotate to verify again."""
    text = lines.read_text(encoding="utf-8")
    check: keyrack.ImportCheck = store.check_import_json_lines(text)
    if check.already_present:
        raise ValueError(f"already here: {[id for _, id in check.already_present]}")
    return store.import_json_lines(text)


def healthz(store: keyrack.Store) -> Response:
    """A readiness probe: 503 while the store's last write or background
    flush failed (it heals by itself once the fault clears)."""
    h: keyrack.Health = store.health()
    if h.ok:
        return 200, {"status": "ok"}
    fault: Optional[keyrack.Fault] = h.last_error
    detail = f"{fault.kind} at {fault.at.isoformat()}: {fault.message}" if fault else "unknown"
    return 503, {"status": "degraded", "detail": detail}


def top_up(store: keyrack.Store, key_id: str, credits: int) -> Optional[int]:
    """Adds credits to a metered key; the new balance (None if unmetered)."""
    record: KeyRecord = store.add_credits(key_id, credits)
    return record.remaining


def main() -> None:
    with tempfile.TemporaryDirectory() as d, keyrack.Store(Path(d) / "keys.redb") as store:
        keys = onboard(store, "org_1", ["web", "cron"])
        gate = Gate(store)
        status, body = gate.check({"X-Api-Key": keys["web"]}, ["read"])
        assert (status, body) == (200, {"owner": "org_1"})
        status, body = gate.check({}, ["read"])
        assert status == 401 and body["error"] == "missing"
        try:
            store.get("key_0000000000000000000000")
        except keyrack.NotFound as e:
            assert e.code == "NOT_FOUND"
        assert len(stale_keys(store, timedelta(days=1))) == 1  # "cron" was never used
        assert backup(store, Path(d) / "keys.jsonl") == 2
        text: str = store.export()
        assert keys["web"] not in text
        with keyrack.Store(Path(d) / "copy.redb") as copy:
            assert restore(copy, Path(d) / "keys.jsonl") == 2
            assert copy.verify(keys["web"]).outcome == Outcome.NOT_FOUND
            try:
                restore(copy, Path(d) / "keys.jsonl")
            except ValueError as e:
                assert "already here" in str(e)
        assert healthz(store) == (200, {"status": "ok"})
        metered = store.issue(name="trial", remaining=2)
        assert top_up(store, metered.id, 3) == 5
        print("ok")


if __name__ == "__main__":
    main()
