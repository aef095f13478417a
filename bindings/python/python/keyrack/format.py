"""The key format: ``<prefix>_<43 base62 body><6 base62 CRC32 check>``.

``REGEX`` matches every well-formed key (it does not check the checksum or the
prefix length: run :func:`parse` on its matches to confirm them).
"""

from __future__ import annotations

from keyrack._keyrack import KEY_REGEX as REGEX
from keyrack._keyrack import ParsedKey, compose, parse, validate_prefix

__all__ = ["REGEX", "ParsedKey", "compose", "parse", "validate_prefix"]
