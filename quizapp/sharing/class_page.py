"""The page a student's phone opens from the class QR code (`/` of `quizapp serve`).

A pure function of the share's index and the emergency steps: no external assets (a classroom may
have no internet), inline CSS in the app's colours with a dark theme that follows the browser,
mobile first. Every text from a deck is escaped.

The "Open in quizapp" link (`quizapp://subscribe?url=…&key=…`, see links.py) is built by a few
lines of inline script from the page's own address: the key comes from the `#key=` fragment of the
QR code, which never reaches the server, so a host serving this page cannot choose it.
"""

from __future__ import annotations

import functools
import html
import urllib.parse
from collections import Counter
from collections.abc import Sequence

from quizapp.core.errors import QuizappError
from quizapp.core.help import load_help
from quizapp.core.palette import PALETTES
from quizapp.sharing.feed import AppPackage, FeedEntry, FeedIndex

PAGE_LANGUAGE = "en"  # the language of the page's own words (the decks bring theirs)

# The palette names the page uses, as CSS custom properties.
_COLOURS = ("background", "surface", "border", "text", "muted", "primary", "primary_text", "bar", "bar_text", "danger")

_STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--background);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;overflow-wrap:anywhere}
header{background:var(--bar);color:var(--bar_text);padding:20px 16px}
header div,main,footer div{max-width:760px;margin:0 auto}
header p{margin:0;font-size:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 4px}
h2{font-size:1.3rem;margin:28px 0 8px}
h3{font-size:1.15rem;margin:0 0 4px}
main{padding:8px 16px 16px;box-sizing:content-box}
p,li{font-size:1rem}
code{font:1rem/1.4 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all;background:var(--surface);border:1px solid var(--border);border-radius:6px;padding:1px 4px}
code.block{display:block;padding:8px 12px}
.button{display:flex;align-items:center;justify-content:center;gap:8px;min-height:48px;min-width:48px;padding:12px 20px;border-radius:12px;font-size:1rem;font-weight:700;text-decoration:none;text-align:center}
.primary{background:var(--primary);color:var(--primary_text)}
.secondary{border:2px solid var(--primary);color:var(--primary);background:var(--surface)}
.open{min-height:64px;font-size:1.25rem;margin:16px 0 8px}
.note{color:var(--muted)}
.notice{border-left:6px solid var(--primary);background:var(--surface);padding:8px 12px;border-radius:6px}
.decks{list-style:none;margin:0;padding:0;display:grid;gap:12px}
.deck{background:var(--surface);border:1px solid var(--border);border-radius:12px;padding:16px;display:flex;flex-direction:column;gap:8px}
.deck p{margin:0;white-space:pre-line}
.meta{color:var(--muted)}
.deck .button{margin-top:auto}
ol{padding-left:1.5em}
footer{background:var(--surface);border-top:6px solid var(--danger);padding:8px 16px 24px;margin-top:24px}
footer h2{color:var(--danger);margin-top:12px}
[hidden]{display:none!important}
@media (min-width:720px){.open,.open~.button{max-width:420px}}
@media (min-width:960px){header div,main,footer div{max-width:1040px}.decks{grid-template-columns:repeat(2,minmax(0,1fr))}}
"""

# Builds the subscribe link from this page's own address. The key must look like a publisher key
# (43 base64url characters); anything else is left out, and the app then asks as for a bare address.
_SCRIPT = """
(function () {
  var found = /(?:^|&)key=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash.slice(1));
  var feed = location.origin + location.pathname;
  var open = document.getElementById("open");
  open.href = "quizapp://subscribe?url=" + encodeURIComponent(feed) + (found ? "&key=" + found[1] : "");
  document.getElementById("address").textContent = found ? feed + "#key=" + found[1] : feed;
  document.getElementById("no-key").hidden = !!found;
  open.addEventListener("click", function () {
    setTimeout(function () { if (!document.hidden) document.getElementById("not-opened").hidden = false; }, 1500);
  });
})();
"""


def render_class_page(index: FeedIndex | None, emergency_steps: Sequence[str]) -> bytes:
    """The page as UTF-8 HTML. `index` is None when the share's index cannot be read right now."""
    decks = index.decks if index is not None else ()
    language = page_language(decks)
    chrome = "" if _same_language(language, PAGE_LANGUAGE) else f' lang="{PAGE_LANGUAGE}"'
    parts = [
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title{chrome}>Class decks · quizapp</title><style>{_colours()}{_STYLE}</style></head><body>",
        f"<header{chrome}><div><h1>Class decks</h1><p>Shared by your teacher with quizapp, on this network</p></div></header>",
        "<main>",
        _open_section(chrome),
        _decks_section(decks, language, chrome, index is None),
        _app_section(index.app if index is not None else None, chrome),
        "</main>",
        _help_footer(emergency_steps, chrome),
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "".join(parts).encode("utf-8")


def page_language(decks: Sequence[FeedEntry]) -> str:
    """The language most decks are in (the first deck's among equals); English with no decks."""
    if not decks:
        return PAGE_LANGUAGE
    return Counter(deck.language for deck in decks).most_common(1)[0][0]  # equal counts keep the decks' order


@functools.cache
def bundled_emergency_steps() -> tuple[str, ...]:
    """The overdose steps of Get help now, from the bundled help file (read once); none if it
    cannot be read, so the deck list still reaches the class."""
    try:
        return tuple(step.text for step in load_help().steps)
    except (OSError, QuizappError):
        return ()


def _same_language(first: str, second: str) -> bool:
    return first.casefold() == second.casefold()


def _colours() -> str:
    def variables(palette: dict[str, str]) -> str:
        return ";".join(f"--{name}:{palette[name]}" for name in _COLOURS)

    return f":root{{{variables(PALETTES['light'])}}}@media (prefers-color-scheme:dark){{:root{{{variables(PALETTES['dark'])}}}}}"


def _open_section(chrome: str) -> str:
    return (
        f"<section{chrome}>"
        # Without script the button leads to the address to add by hand.
        '<a id="open" class="button primary open" href="#by-hand">Open in quizapp</a>'
        "<p class=\"note\">quizapp asks before it adds these decks, and shows six words: check they match the words on your teacher's screen.</p>"
        '<a class="button secondary" href="#get-app">No quizapp yet? Get the app</a>'
        '<p id="no-key" class="notice" hidden>This address has no publisher key, so quizapp cannot check who made these decks. '
        "Scan the QR code on your teacher's screen again.</p>"
        '<p id="not-opened" class="notice" hidden>Nothing opened? quizapp is not installed here, or cannot open links: add the feed by hand (below).</p>'
        "</section>"
    )


def _decks_section(decks: Sequence[FeedEntry], language: str, chrome: str, unreadable: bool) -> str:
    heading = f"<h2{chrome}>Decks in this share</h2>"
    if not decks:
        why = "The share cannot be read right now; ask your teacher to publish it again." if unreadable else "This share has no decks yet."
        return f"<section>{heading}<p{chrome}>{why}</p></section>"
    items = "".join(_deck_item(deck, language, chrome) for deck in decks)
    return f'<section>{heading}<ul class="decks">{items}</ul></section>'


def _deck_item(deck: FeedEntry, page_lang: str, chrome: str) -> str:
    own = "" if _same_language(deck.language, page_lang) else f' lang="{html.escape(deck.language)}"'
    # The deck's own words are in its language; the counts and the button are the page's words.
    words_lang = f' lang="{PAGE_LANGUAGE}"' if own or chrome else ""
    cards = f"{deck.cards} {'card' if deck.cards == 1 else 'cards'} · " if deck.cards is not None else ""
    description = f"<p>{html.escape(deck.description)}</p>" if deck.description else ""
    href = html.escape(urllib.parse.quote(deck.url))
    return (
        f'<li class="deck"{own}><h3>{html.escape(deck.title)}</h3>{description}'
        f'<p class="meta"{words_lang}>{cards}version {deck.version} · {_size(deck.size)}</p>'
        f'<a class="button secondary" href="{href}" download{words_lang}>Download deck</a></li>'
    )


def _app_section(app: AppPackage | None, chrome: str) -> str:
    by_hand = (
        '<h2 id="by-hand">On a computer, or if nothing opens</h2>'
        "<p>In quizapp choose <b>Add a class feed</b> and enter this address:</p>"
        '<code id="address" class="block">the address in the QR code</code>'
        "<p>At a terminal: <code>quizapp subscribe</code> followed by that address.</p>"
    )
    intro = (
        '<h2 id="get-app">No quizapp yet?</h2>'
        "<p>quizapp is a free flashcard app for Android and computers; it needs no account and no internet.</p>"
    )
    if app is None:
        how = "<p>Ask your teacher for the Android app (they can offer it on this page), or install it on a computer with Python from its source.</p>"
        return f"<section{chrome}>{intro}{how}{by_hand}</section>"
    href = html.escape(urllib.parse.quote(app.url))
    download = (
        "<p>Install it from your teacher's computer, below. On a computer, install it with Python from its source.</p>"
        f'<a class="button primary" href="{href}" type="application/vnd.android.package-archive">'
        f"Download quizapp {html.escape(app.version)} for Android ({_size(app.size)})</a>"
        "<p>Android asks before installing an app from outside its store:</p><ol>"
        "<li>Open the downloaded file and tap <b>Install</b>.</li>"
        "<li>If Android says your browser is not allowed to install apps, tap <b>Settings</b>, "
        "turn on <b>Allow from this source</b>, then go back.</li>"
        "<li>Tap <b>Install</b>, then <b>Open</b>, and come back to this page to add the decks.</li></ol>"
        '<p class="note">Its SHA-256, also in the signed list of this share:</p>'
        f'<code class="block">{html.escape(app.sha256)}</code>'
    )
    return f"<section{chrome}>{intro}{download}{by_hand}</section>"


def _help_footer(steps: Sequence[str], chrome: str) -> str:
    if not steps:
        return ""
    items = "".join(f"<li>{html.escape(step)}</li>" for step in steps)
    return f'<footer{chrome}><div><h2>If someone may be overdosing</h2><ol>{items}</ol></div></footer>'


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
