"""Strict reading of small JSON documents that come from elsewhere (bundle manifests, feed indexes,
class reports).

Every value is checked for its type and range as it is read, unknown keys are refused, and an
error names where the document is wrong: `source:line:col` for broken JSON, `source: decks[2].sha256`
for a value of the wrong shape. Each caller raises its own error type so the front ends can say
which kind of file was at fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any, NoReturn

from quizapp.core.errors import QuizappError

SHA256 = re.compile(r"[0-9a-f]{64}\Z")
# JSON can escape half of a UTF-16 pair ("\ud800"): Python keeps it, but it is not text, and
# writing, storing or printing it fails later, far from the file that held it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


class JsonReader:
    """Reads one document; `source` is how errors name it, `error` the type they are raised as."""

    def __init__(self, source: str, error: type[QuizappError]) -> None:
        self.source = source
        self.error = error

    def fail(self, where: str, message: str) -> NoReturn:
        """Raise the caller's error; `where` is a path such as `decks[2].sha256` ("" for the top)."""
        raise self.error(f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}")

    def load(self, data: bytes) -> Any:
        """Parse JSON text, refusing invalid UTF-8, duplicate keys, NaN and Infinity."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise self.error(f"{self.source}: byte {error.start + 1} is not valid UTF-8") from None
        try:
            document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            raise self.error(f"{self.source}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
        except _DuplicateKey as error:
            key = str(error).encode("utf-8", "backslashreplace").decode("utf-8")  # printable even if it holds a lone surrogate
            raise self.error(f"{self.source}: the key '{key}' appears twice in one object") from None
        except (ValueError, RecursionError) as error:
            raise self.error(f"{self.source}: not valid JSON: {error}") from None
        if (where := _surrogate_at(document)) is not None:
            self.fail(where, "holds an unpaired surrogate (an escape from \\ud800 to \\udfff), which is not text")
        return document

    def object(self, value: Any, where: str, required: Collection[str], optional: Collection[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, not {_kind(value)}")
        for key in value:
            if key not in required and key not in optional:
                self.fail(_join(where, key), "is not a known key")
        for key in required:
            if key not in value:
                self.fail(where, f"the key '{key}' is missing")
        return value

    def mapping(self, value: Any, where: str, *, max_items: int) -> dict[str, Any]:
        """An object whose keys are data (file names), not a fixed set."""
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, not {_kind(value)}")
        if len(value) > max_items:
            self.fail(where, f"has {len(value)} entries; at most {max_items} are allowed")
        return value

    def text(self, value: Any, where: str, *, max_length: int = 1000, pattern: re.Pattern[str] | None = None, rule: str = "") -> str:
        if not isinstance(value, str):
            self.fail(where, f"must be text, not {_kind(value)}")
        if not value.strip():
            self.fail(where, "must not be empty")
        if len(value) > max_length:
            self.fail(where, f"is {len(value)} characters long; at most {max_length} are allowed")
        if pattern is not None and not pattern.match(value):
            self.fail(where, f"'{value[:80]}' is not {rule}")
        return value

    def optional_text(self, value: Any, where: str, *, max_length: int = 1000) -> str:
        """Text that may be empty (an author or license left out)."""
        if value == "":
            return ""
        return self.text(value, where, max_length=max_length)

    def integer(self, value: Any, where: str, *, minimum: int = 0, maximum: int = 2**53) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number, not {_kind(value)}")
        if not minimum <= value <= maximum:
            self.fail(where, f"must be between {minimum} and {maximum}, not {value}")
        return value

    def fraction(self, value: Any, where: str) -> float | None:
        """A number from 0 to 1, or null."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"must be a number or null, not {_kind(value)}")
        if not 0.0 <= value <= 1.0:
            self.fail(where, f"must be between 0 and 1, not {value}")
        return float(value)

    def array(self, value: Any, where: str, *, max_items: int) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"must be a list, not {_kind(value)}")
        if len(value) > max_items:
            self.fail(where, f"has {len(value)} items; at most {max_items} are allowed")
        return value

    def sha256(self, value: Any, where: str) -> str:
        return self.text(value, where, pattern=SHA256, rule="a SHA-256 digest (64 lowercase hex digits)")


def _surrogate_at(document: Any) -> str | None:
    """Where the first text (value or key) holding a lone surrogate is, or None; iterative, so a
    deeply nested document cannot exhaust the stack."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where or "the document"
        elif isinstance(value, dict):
            for key in value:
                if _SURROGATE.search(key):
                    return f"{where}: a key" if where else "a key"
            pending.extend((_join(where, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend((f"{where}[{number}]", item) for number, item in reversed(list(enumerate(value))))
    return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
