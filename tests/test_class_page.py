"""The class page (`/` of a share), as HTML: each deck described and escaped, the page's and
each deck's language, the app package offered with how to install it, the emergency steps at the
foot, and nothing taken from the network or from the server's idea of its own address."""

from __future__ import annotations

import re
import urllib.request
import zipfile
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quizapp.core.help import load_help
from quizapp.sharing.class_page import (
    bundled_emergency_steps,
    page_language,
    render_class_page,
)
from quizapp.sharing.feed import (
    AppPackage,
    FeedEntry,
    FeedIndex,
    add_app_package,
    publish,
)
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey

GENERATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
STEPS = ("Call for help.", "Stay <close> & watch.")


def entry(deck_id: str = "small", *, title: str = "Small deck", description: str = "", language: str = "en", cards: int | None = 5) -> FeedEntry:
    return FeedEntry(deck_id, 3, title, f"{deck_id}-v3.quizdeck", 5120, "a" * 64, description, cards, language)


def page(*decks: FeedEntry, app: AppPackage | None = None, steps: tuple[str, ...] = STEPS) -> str:
    return render_class_page(FeedIndex(tuple(decks), GENERATED, app=app), steps).decode("utf-8")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the document, to check the page's structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> _Elements:
    elements = _Elements()
    elements.feed(html)
    return elements


def test_each_deck_shows_its_title_description_cards_version_and_a_download() -> None:
    html = page(entry(description="What to do\nwhen someone may be overdosing."), entry("other", title="Other", cards=1))
    assert "<h3>Small deck</h3><p>What to do\nwhen someone may be overdosing.</p>" in html
    assert "5 cards · version 3 · 5 KB" in html and "1 card · version 3" in html
    links = [attrs for tag, attrs in parsed(html).tags if tag == "a" and "download" in attrs]
    assert [link["href"] for link in links] == ["small-v3.quizdeck", "other-v3.quizdeck"]


def test_every_text_from_a_deck_is_escaped() -> None:
    html = page(entry(title=HOSTILE, description=HOSTILE, language="en"))
    elements = parsed(html)
    assert [tag for tag, _ in elements.tags].count("script") == 1  # the page's own, and no other
    assert not any(tag == "img" or any(name.startswith("on") for name in attrs) for tag, attrs in elements.tags)
    assert "".join(elements.text).count(HOSTILE) == 2  # shown as text, exactly as written


def test_the_page_takes_the_decks_language_and_marks_a_deck_in_another() -> None:
    html = page(entry("a", language="de"), entry("b", language="de"), entry("c", language="en"))
    assert html.startswith('<!doctype html><html lang="de">')
    deck_langs = [attrs.get("lang") for tag, attrs in parsed(html).tags if attrs.get("class") == "deck"]
    assert deck_langs == [None, None, "en"]
    # The page's own words stay English, and say so, inside a German page.
    assert '<header lang="en">' in html and '<footer lang="en">' in html


def test_an_english_share_needs_no_lang_beyond_the_page_and_no_decks_means_english() -> None:
    html = page(entry(), entry("b", language="EN"))
    assert html.startswith('<!doctype html><html lang="en">') and html.count("lang=") == 1
    assert page_language([]) == "en" and page_language([entry("a", language="fr"), entry("b", language="en")]) == "fr"


def test_an_empty_or_unreadable_share_says_so() -> None:
    assert "This share has no decks yet." in page()
    assert "cannot be read right now" in render_class_page(None, STEPS).decode()


def test_the_emergency_steps_are_at_the_foot_escaped_and_come_from_get_help_now() -> None:
    html = page(entry())
    foot = html[html.index("<footer") :]
    assert "<li>Call for help.</li><li>Stay &lt;close&gt; &amp; watch.</li>" in foot and "<h3>" not in foot
    assert bundled_emergency_steps() == tuple(step.text for step in load_help().steps) and len(bundled_emergency_steps()) >= 3


def test_the_page_loads_nothing_from_elsewhere_and_never_holds_the_key() -> None:
    key = PublisherKey.generate().public_key
    html = render_class_page(FeedIndex((entry(),), GENERATED, signer=key), STEPS).decode()
    assert key not in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html) and "@import" not in html and "url(" not in html
    # The link is made in the browser from the address in the QR code, fragment and all.
    assert "location.hash" in html and 'href="#by-hand"' in html


def test_an_app_package_is_offered_with_its_size_digest_and_how_to_allow_the_install() -> None:
    app = AppPackage("0.2.0", "quizapp-0.2.0.apk", 31_457_280, "b" * 64)
    html = page(entry(), app=app)
    assert 'href="quizapp-0.2.0.apk"' in html and "Download quizapp 0.2.0 for Android (30.0 MB)" in html
    assert "Allow from this source" in html and "b" * 64 in html
    without = page(entry())
    assert ".apk" not in without and "Ask your teacher for the Android app" in without


def test_a_served_share_offers_the_package_the_teacher_added(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "d.yaml").write_text("format: 1\ndeck: {id: dd, version: 1, title: D, language: es}\nsources: [{id: m, title: T, publisher: P}]\ncards:\n  - {id: c, type: basic, front: F, back: B, source: m}\n")
    key = PublisherKey.generate()
    publish(decks, tmp_path / "out", generated=GENERATED, signer=key)
    package = tmp_path / "quizapp-1.4.2-arm64-v8a-release.apk"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00")
    add_app_package(tmp_path / "out", package, signer=key)
    with ShareServer(tmp_path / "out", host="127.0.0.1", port=0) as share:
        with urllib.request.urlopen(share.url.split("#")[0], timeout=5) as response:
            html = response.read().decode()
        with urllib.request.urlopen(share.url.split("#")[0] + "quizapp-1.4.2.apk", timeout=5) as response:
            assert response.headers["Content-Type"] == "application/vnd.android.package-archive"
            assert response.read() == package.read_bytes()
    assert html.startswith('<!doctype html><html lang="es">') and "Download quizapp 1.4.2 for Android" in html


@pytest.mark.parametrize("size, shown", [(1, "1 KB"), (5120, "5 KB"), (3 * 2**20 + 2**19, "3.5 MB")])
def test_sizes_read_as_a_person_would_say_them(size: int, shown: str) -> None:
    html = render_class_page(FeedIndex((FeedEntry("d", 1, "D", "d-v1.quizdeck", size, "a" * 64, "", 2),), GENERATED), ()).decode()
    assert f"2 cards · version 1 · {shown}" in html and "<footer" not in html
