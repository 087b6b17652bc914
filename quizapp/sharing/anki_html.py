"""Anki fields are HTML; our cards are plain text. Converting both ways, without losing words.

To text: `<br>` and block elements (div, p, li, ...) become line breaks, entities are unescaped,
other tags are dropped with their words kept, script/style contents are dropped, and image
sources and `[sound:...]` references are collected apart from the text. To HTML: escape, and
turn line breaks into `<br>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul"}
)
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template"})
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_SOUND = re.compile(r"\[sound:([^\]]*)\]")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class FieldText:
    """A field as plain text, with the media it referred to."""

    text: str
    images: tuple[str, ...] = ()
    sounds: tuple[str, ...] = ()


def html_to_text(value: str) -> FieldText:
    parser = _TextParser()
    parser.feed(value)
    parser.close()
    raw = "".join(parser.out)
    sounds = tuple(_SOUND.findall(raw))
    lines = [_SPACES.sub(" ", line).strip() for line in _SOUND.sub("", raw).split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return FieldText(text, tuple(parser.images), sounds)


def text_to_html(text: str) -> str:
    """Plain text as an Anki field: escaped, line breaks as `<br>`."""
    return html.escape(text, quote=False).replace("\n", "<br>")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.images: list[str] = []
        self._hidden = 0

    def _break(self, hard: bool) -> None:
        # A block boundary adds a line break only where there is none yet; <br> always adds one.
        if hard or (self.out and not self.out[-1].endswith("\n")):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "br":
            self._break(hard=True)
        elif tag == "img":
            src = dict(attrs).get("src")
            if src:
                self.images.append(src)
        elif tag in _BLOCK_TAGS:
            self._break(hard=False)
            if tag == "li":
                self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self._break(hard=False)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            # HTML collapses runs of whitespace, including the source's own line breaks.
            self.out.append(_SPACES.sub(" ", data))
