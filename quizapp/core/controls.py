"""Characters that text from elsewhere must not carry: terminal controls and text-direction tricks.

A C0 or C1 control (ESC, CSI, ...) can move a terminal's cursor, rewrite what was printed or set
its title; a bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069) makes text display
in another order than it is stored, so a title or name can read as something it is not. Deck text
refuses both; names (a learner's nickname) also refuse the direction marks and invisible
characters, since a name is compared by how it looks. Whatever is printed to a terminal goes
through `escape_controls`, so text that slipped past (an older deck, a server's message) is shown
as escapes, never obeyed.
"""

from __future__ import annotations

import re
import unicodedata

_C0_BUT_TAB_AND_NEWLINE = "\x00-\x08\x0b-\x1f"
_DEL_AND_C1 = "\x7f-\x9f"
_BIDI_EMBEDDINGS = "\u202a-\u202e\u2066-\u2069"  # LRE RLE PDF LRO RLO, LRI RLI FSI PDI
_BIDI_MARKS = "\u200e\u200f\u061c"  # LRM RLM ALM
_INVISIBLE = "\u200b\u2060-\u2064\ufeff"  # zero-width space, word joiner and invisible operators, BOM

# Deck text: tabs and line breaks are layout; direction marks are kept, as right-to-left
# languages need them and they move no text beyond their neighbours.
UNSAFE_IN_TEXT = re.compile(f"[{_C0_BUT_TAB_AND_NEWLINE}{_DEL_AND_C1}{_BIDI_EMBEDDINGS}]")
# A name is one line, and two names that look alike must be the same name.
UNSAFE_IN_NAME = re.compile(f"[\t\n{_C0_BUT_TAB_AND_NEWLINE}{_DEL_AND_C1}{_BIDI_EMBEDDINGS}{_BIDI_MARKS}{_INVISIBLE}]")
# A terminal also breaks lines at U+2028/U+2029 in some cases; everything else above is escaped.
_UNSAFE_ON_TERMINAL = re.compile(f"[{_C0_BUT_TAB_AND_NEWLINE}{_DEL_AND_C1}{_BIDI_EMBEDDINGS}{_BIDI_MARKS}{_INVISIBLE}\u2028\u2029]")


def describe(char: str) -> str:
    """A character as a reader can name it: `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    name = unicodedata.name(char, "")
    if not name and ord(char) < 0x20:
        name = f"control character ^{chr(ord(char) + 0x40)}"
    elif not name:
        name = "control character"
    return f"U+{ord(char):04X} ({name})"


def first_unsafe(text: str, unsafe: re.Pattern[str] = UNSAFE_IN_TEXT) -> str | None:
    """The first character of `text` that `unsafe` refuses, described for a message; else None."""
    found = unsafe.search(text)
    return describe(found.group()) if found else None


def escape_controls(text: str) -> str:
    """`text` safe to print on a terminal: every control and direction character is written as an
    escape (`\\x1b`, `\\u202e`); tabs and line breaks stay as they are."""
    return _UNSAFE_ON_TERMINAL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
