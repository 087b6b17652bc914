"""Just enough of the protobuf wire format to read the few messages inside an Anki package.

Modern Anki stores its media map, note type settings and deck settings as protobuf. We need a
handful of fields from them, so a 40-line decoder beats a dependency on `protobuf` plus Anki's
generated classes (neither exists on Android). Malformed input raises FormatError.
"""

from __future__ import annotations

from collections.abc import Iterator

from quizapp.core.errors import FormatError

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


def fields(data: bytes, what: str) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) for each field in order: varints and fixed ints as int,
    length-delimited values (strings, bytes, sub-messages) as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos, what)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, pos = _varint(data, pos, what)
            yield number, value
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
            if pos + size > len(data):
                raise FormatError(f"{what} is damaged (truncated protobuf)")
            yield number, int.from_bytes(data[pos : pos + size], "little")
            pos += size
        elif wire_type == _LENGTH:
            size, pos = _varint(data, pos, what)
            if pos + size > len(data):
                raise FormatError(f"{what} is damaged (truncated protobuf)")
            yield number, data[pos : pos + size]
            pos += size
        else:
            raise FormatError(f"{what} is damaged (unknown protobuf wire type {wire_type})")


def first(data: bytes, number: int, what: str) -> int | bytes | None:
    """The first value of field `number`, or None when absent."""
    return next((value for n, value in fields(data, what) if n == number), None)


def _varint(data: bytes, pos: int, what: str) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise FormatError(f"{what} is damaged (bad protobuf varint)")
