"""Replays the shared vectors (tests/vectors/*.json), the one truth for behaviour."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pytest

import keyrack
from keyrack import format as kf

from conftest import VECTORS


def load(name: str) -> Any:
    path = VECTORS / name
    if not path.exists():
        pytest.fail(f"missing shared vectors {path}")
    return json.loads(path.read_text(encoding="utf-8"))


FORMAT = load("format.json")
VERIFY = load("verify.json")


# ---- format.json --------------------------------------------------------------


@pytest.mark.parametrize("v", FORMAT["valid"], ids=lambda v: v["key"][:12])
def test_valid_keys_parse_and_compose(v: Dict[str, str]) -> None:
    p = kf.parse(v["key"])
    assert (p.prefix, p.body, p.check, p.hint) == (v["prefix"], v["body"], v["check"], v["hint"])
    assert kf.compose(v["prefix"], bytes.fromhex(v["body_hex"])) == v["key"]
    assert re.fullmatch(kf.REGEX, v["key"])
    assert v["body"] not in repr(p)


@pytest.mark.parametrize("v", FORMAT["invalid"], ids=lambda v: v.get("note", v["reason"]))
def test_invalid_keys_are_refused_with_their_reason(v: Dict[str, str]) -> None:
    with pytest.raises(keyrack.InvalidArgument) as e:
        kf.parse(v["key"])
    assert e.value.reason == v["reason"]
    assert e.value.code == "INVALID_ARGUMENT"


def test_regex_is_the_documented_one() -> None:
    assert kf.REGEX == FORMAT["regex"]


@pytest.mark.parametrize("prefix", FORMAT["prefixes"]["valid"])
def test_valid_prefixes(prefix: str) -> None:
    kf.validate_prefix(prefix)


@pytest.mark.parametrize("prefix", FORMAT["prefixes"]["invalid"])
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(keyrack.InvalidArgument) as e:
        kf.validate_prefix(prefix)
    assert e.value.reason == "bad_prefix"


# ---- verify.json --------------------------------------------------------------


def ms(n: int) -> timedelta:
    return timedelta(milliseconds=n)


def refill(v: Optional[Dict[str, int]]) -> Optional[keyrack.Refill]:
    return None if v is None else keyrack.Refill(v["amount"], ms(v["every_ms"]))


def rate(v: Optional[Dict[str, int]]) -> Optional[keyrack.RateLimit]:
    return None if v is None else keyrack.RateLimit(v["limit"], ms(v["window_ms"]))


class Expectation:
    """Runs a management call and checks `expect_error` (an error code) if any."""

    def __init__(self, step: Dict[str, Any], ctx: str) -> None:
        self.code = step.get("expect_error")
        self.ctx = ctx

    def run(self, f: Any, *args: Any, **kwargs: Any) -> Any:
        if self.code is None:
            return f(*args, **kwargs)
        with pytest.raises(keyrack.Error) as e:
            f(*args, **kwargs)
        assert e.value.code == self.code, self.ctx
        return None


def run_scenario(sc: Dict[str, Any], start_ms: int, tmp: Path) -> None:
    start = datetime(1970, 1, 1, tzinfo=timezone.utc) + ms(sc.get("start_ms", start_ms))
    clock = keyrack.ManualClock(start)
    open_opts = sc.get("open") or {}
    handles: Dict[str, Tuple[str, str]] = {}  # name -> (secret, id)
    with keyrack.Store(
        tmp / "v.redb",
        prefix=open_opts.get("prefix"),
        prefixes=open_opts.get("prefixes"),
        clock=clock,
    ) as store:
        for i, step in enumerate(sc["steps"]):
            ctx = f"{sc['name']} step {i}: {step}"
            op = step["op"]
            exp = Expectation(step, ctx)
            if op == "issue":
                opts: Dict[str, Any] = {}
                for k in ("name", "owner", "scopes", "meta", "prefix", "remaining", "shared_credits"):
                    if step.get(k) is not None:
                        opts[k] = step[k]
                if step.get("expires_in_ms") is not None:
                    opts["expires_in"] = ms(step["expires_in_ms"])
                if step.get("refill") is not None:
                    opts["refill"] = refill(step["refill"])
                if step.get("rate_limit") is not None:
                    opts["rate_limit"] = rate(step["rate_limit"])
                issued = exp.run(store.issue, **opts)
                if issued is not None:
                    handles[step["as"]] = (issued.key, issued.id)
            elif op == "verify":
                key = step["literal"] if "literal" in step else handles[step["key"]][0]
                kw: Dict[str, Any] = {}
                if "scopes" in step:
                    kw["scopes"] = step["scopes"]
                if "cost" in step:
                    kw["cost"] = step["cost"]
                v = store.verify(key, **kw)
                assert v.outcome == step["expect"], ctx
                assert bool(v) == (step["expect"] == "valid"), ctx
                if "expect_remaining" in step:
                    assert v.remaining == step["expect_remaining"], ctx
                if "expect_retry_after_ms" in step:
                    assert v.retry_after == ms(step["expect_retry_after_ms"]), ctx
            elif op in ("revoke", "enable", "disable"):
                exp.run(getattr(store, op), handles[step["key"]][1])
            elif op == "rotate":
                issued = exp.run(store.rotate, handles[step["key"]][1], grace=ms(step.get("grace_ms", 0)))
                if issued is not None:
                    handles[step["as"]] = (issued.key, issued.id)
            elif op == "update":
                ch: Dict[str, Any] = {}
                if step.get("name") is not None:
                    ch["name"] = step["name"]
                if isinstance(step.get("scopes"), list):
                    ch["scopes"] = step["scopes"]
                if step.get("expires_in_ms") is not None:
                    ch["expires_in"] = ms(step["expires_in_ms"])
                if step.get("clear_expiry") is True:
                    ch["expires_at"] = None
                if step.get("remaining") is not None:
                    ch["remaining"] = step["remaining"]
                if step.get("rate_limit") is not None:
                    ch["rate_limit"] = rate(step["rate_limit"])
                exp.run(store.update, handles[step["key"]][1], **ch)
            elif op == "set_pool":
                store.set_pool(step["owner"], step["remaining"], refill=refill(step.get("refill")))
            elif op == "advance":
                clock.advance(ms(step["ms"]))
            elif op == "purge":
                assert store.purge(ms(step["older_than_ms"])) == step["expect_purged"], ctx
            elif op == "get":
                r = exp.run(store.get, handles[step["key"]][1])
                if r is None:
                    continue
                if "expect_uses" in step:
                    assert r.uses == step["expect_uses"], ctx
                if "expect_remaining" in step:
                    assert r.remaining == step["expect_remaining"], ctx
                if "expect_enabled" in step:
                    assert r.enabled == step["expect_enabled"], ctx
                if "expect_revoked" in step:
                    assert (r.revoked_at is not None) == step["expect_revoked"], ctx
                for outcome, n in (step.get("expect_denied") or {}).items():
                    assert r.denied[outcome] == n, ctx
            elif op == "get_unknown":
                with pytest.raises(keyrack.Error) as e:
                    store.get(step["id"])
                assert e.value.code == step["expect_error"], ctx
            else:
                pytest.fail(f"{ctx}: unknown op {op!r} (update this runner with the schema)")


@pytest.mark.parametrize("sc", VERIFY["scenarios"], ids=lambda s: s["name"])
def test_verify_scenario(sc: Dict[str, Any], tmp_path: Path) -> None:
    run_scenario(sc, VERIFY["start_ms"], tmp_path)


def test_verify_vectors_cover_every_outcome_but_missing() -> None:
    seen = {st["expect"] for sc in VERIFY["scenarios"] for st in sc["steps"] if st["op"] == "verify"}
    assert seen == {name for name, _, _ in keyrack.OUTCOMES} - {"missing"}
