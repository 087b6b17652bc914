"""Feeds: publish a folder, subscribe, update from a static web host on 127.0.0.1, and every way a
feed or the network can fail."""

from __future__ import annotations

import functools
import hashlib
import json
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import (
    BaseHTTPRequestHandler,
    SimpleHTTPRequestHandler,
    ThreadingHTTPServer,
)
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_DECK

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.errors import DeckFileError, NotFoundError, QuizappError
from quizapp.sharing import feed as feed_module
from quizapp.sharing.feed import (
    FeedError,
    UpdateProgress,
    check_for_updates,
    index_url,
    parse_index,
    publish,
    publish_collection_decks,
    subscribe,
    subscriptions,
    unsubscribe,
)
from quizapp.sharing.signing import PublisherKey, describe_key, keyed_address
from quizapp.sharing.web import NetworkError

GENERATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
TEACHER = PublisherKey.generate()
ROGUE = PublisherKey.generate()
OTHER_DECK = """\
format: 1
deck: {id: other, version: 1, title: Other deck}
cards:
  - {id: o1, type: basic, front: Question, back: Answer}
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static web host (any host would do) serving tmp_path/site on 127.0.0.1."""
    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", site
    server.shutdown()
    server.server_close()


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "class-decks"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_DECK)
    (folder / "other.yaml").write_text(OTHER_DECK)
    return folder


# -- publishing -------------------------------------------------------------------------------------


def test_publish_writes_a_bundle_per_deck_and_a_signed_index_that_describes_them(decks_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    index = publish(decks_dir, out, generated=GENERATED, signer=TEACHER)
    assert [(e.deck_id, e.version, e.url) for e in index.decks] == [("other", 1, "other-v1.quizdeck"), ("small", 1, "small-v1.quizdeck")]
    for entry in index.decks:
        data = (out / entry.url).read_bytes()
        assert (entry.size, entry.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    written = json.loads((out / "index.json").read_bytes())
    assert written["format"] == 2 and written["generated"] == "2025-03-01T09:00:00+00:00"
    assert written["decks"][1] == {
        "id": "small", "version": 1, "title": "Small deck", "description": "", "cards": 5, "language": "en",
        "url": "small-v1.quizdeck", "size": index.decks[1].size, "sha256": index.decks[1].sha256,
    }  # fmt: skip
    assert written["publisher_key"] == TEACHER.public_key and len(written["signature"]) == 86
    assert parse_index((out / "index.json").read_bytes()) == index and index.signer == TEACHER.public_key


def test_a_format_1_index_from_an_older_app_still_reads() -> None:
    entry = {"id": "small", "version": 1, "title": "Small", "url": "small-v1.quizdeck", "size": 10, "sha256": "a" * 64}
    index = parse_index(json.dumps({"format": 1, "generated": GENERATED.isoformat(), "decks": [entry]}).encode())
    assert index.signer is None and index.decks[0].cards is None and index.decks[0].description == ""


def test_publish_with_a_broken_deck_lists_every_problem_and_writes_nothing(decks_dir: Path, tmp_path: Path) -> None:
    (decks_dir / "other.yaml").write_text(OTHER_DECK.replace("back: Answer", "bak: Answer"))
    with pytest.raises(DeckFileError, match="other.yaml:4:"):
        publish(decks_dir, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_app_publishes_decks_it_holds_from_their_files_signed_with_its_key(decks_dir: Path, tmp_path: Path, collection: Collection) -> None:
    collection.sync_files([decks_dir])
    index = publish_collection_decks(collection, ["small"], tmp_path / "share")
    assert [(e.deck_id, e.url) for e in index.decks] == [("small", "small-v1.quizdeck")]
    assert index.signer is not None and publish_collection_decks(collection, ["small"], tmp_path / "share").signer == index.signer
    with pytest.raises(NotFoundError, match="no deck with id 'nope'"):
        publish_collection_decks(collection, ["nope"], tmp_path / "share")


# -- subscribing and updating ---------------------------------------------------------------------


def test_subscribe_then_update_imports_every_deck_with_progress_reports(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED)
    subscription, index = subscribe(collection, url)
    assert subscription.url == url + "index.json" and len(index.decks) == 2
    assert subscriptions(collection) == [subscription]
    subscribe(collection, url + "index.json")  # the same feed once only
    assert len(subscriptions(collection)) == 1

    events: list[UpdateProgress] = []
    [update] = check_for_updates(collection, progress=events.append)

    assert [r.message() for r in update.results] == ["other v1: added with 1 cards", "small v1: added with 5 cards"]
    assert update.errors == [] and update.up_to_date == []
    assert {"other", "small"} <= set(collection.deck_ids())
    steps = [(e.step, e.deck_id) for e in events]
    assert steps[0] == ("index", None)
    assert ("import", "small") in steps and ("download", "small") in steps
    last_download = [e for e in events if e.step == "download" and e.deck_id == "small"][-1]
    assert last_download.done == last_download.total > 0


def test_update_downloads_only_what_changed_and_keeps_progress(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED)
    subscribe(collection, url)
    check_for_updates(collection)
    collection.answer(("small", "b1", 0), Rating.GOOD)
    studied = collection.card_state(("small", "b1", 0))

    (decks_dir / "small.yaml").write_text(SMALL_DECK.replace("version: 1", "version: 2").replace("Back one", "Back one corrected"))
    publish(decks_dir, site, generated=GENERATED)
    [update] = check_for_updates(collection)

    assert [r.message() for r in update.results] == ["small v1 → v2: 0 new, 1 changed, 0 retired, 4 unchanged"]
    assert update.up_to_date == ["other"]
    assert collection.card_state(("small", "b1", 0)) == studied
    [again] = check_for_updates(collection)
    assert again.results == [] and again.up_to_date == ["other", "small"]


def test_unsubscribe_forgets_the_feed_but_keeps_its_decks(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED)
    subscribe(collection, url)
    check_for_updates(collection)
    assert unsubscribe(collection, url) and not unsubscribe(collection, url)
    assert subscriptions(collection) == [] and "small" in collection.deck_ids()


def test_a_bundle_that_does_not_match_its_index_is_not_imported(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    index = publish(decks_dir, site, generated=GENERATED)
    data = json.loads((site / "index.json").read_bytes())
    data["decks"][1]["sha256"] = "0" * 64
    (site / "index.json").write_text(json.dumps(data))
    [update] = check_for_updates(collection, [url])
    assert [r.deck_id for r in update.results] == ["other"]
    assert update.errors == [f"{url}small-v1.quizdeck does not match the size and SHA-256 in the index; it was not imported"]
    assert "small" not in collection.deck_ids()
    assert index.decks[1].deck_id == "small"


def test_a_bundle_larger_than_its_index_says_is_cut_off(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED)
    data = json.loads((site / "index.json").read_bytes())
    data["decks"][1]["size"] = 100
    (site / "index.json").write_text(json.dumps(data))
    [update] = check_for_updates(collection, [url])
    assert "at most 100 are accepted" in update.errors[0]


def test_an_index_over_the_size_cap_is_refused(host: tuple[str, Path], collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    url, site = host
    (site / "index.json").write_text(json.dumps({"format": 1, "generated": GENERATED.isoformat(), "decks": []}) + " " * 5000)
    monkeypatch.setattr(feed_module, "MAX_INDEX_BYTES", 1000)
    with pytest.raises(NetworkError, match="at most 1,000 are accepted"):
        subscribe(collection, url)
    assert subscriptions(collection) == []


# -- the network failing --------------------------------------------------------------------------


def test_nothing_listening_is_a_clear_message(collection: Collection) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    [update] = check_for_updates(collection, [f"http://127.0.0.1:{port}/"])
    assert update.errors == [f"cannot reach http://127.0.0.1:{port}/index.json: nothing is listening there (is the teacher's share still running?)"]


def test_a_server_that_never_answers_times_out(collection: Collection) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(NetworkError, match="did not answer"):
            subscribe(collection, f"http://127.0.0.1:{port}/", timeout=0.3)


def test_being_offline_says_so(collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: Any, **kwargs: Any) -> None:
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr("urllib.request.OpenerDirector.open", offline)
    with pytest.raises(NetworkError, match=r"the address cannot be looked up \(are you offline\?\)"):
        subscribe(collection, "https://school.example/class/")


def test_a_missing_index_reports_the_servers_answer(host: tuple[str, Path], collection: Collection) -> None:
    url, _ = host
    with pytest.raises(NetworkError, match="the server answered 404"):
        subscribe(collection, url)


# -- the index parser -----------------------------------------------------------------------------


def _index(**entry_changes: Any) -> dict[str, Any]:
    entry = {"id": "small", "version": 1, "title": "Small", "url": "small-v1.quizdeck", "size": 10, "sha256": "a" * 64}
    return {"format": 1, "generated": GENERATED.isoformat(), "decks": [entry, {**entry, "id": "second", **entry_changes}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'{"format": 1,\n  "decks": [}', "index.json:2:13: not valid JSON"),
        (b"\xff\xfe", "index.json: byte 1 is not valid UTF-8"),
        (json.dumps([]).encode(), "index.json: must be an object, not a list"),
        (json.dumps({**_index(), "format": 3}).encode(), "feed format 3 is not one this app reads (it reads 1 and 2); update quizapp"),
        (json.dumps({**_index(), "publisher_key": TEACHER.public_key}).encode(), "index.json: publisher_key: is not a known key"),  # format 1 is never signed
        (json.dumps({**_index(), "extra": 1}).encode(), "index.json: extra: is not a known key"),
        (json.dumps({"format": 1, "decks": []}).encode(), "index.json: the key 'generated' is missing"),
        (json.dumps(_index(sha256="xyz")).encode(), "index.json: decks[1].sha256: 'xyz' is not a SHA-256 digest"),
        (json.dumps(_index(version=0)).encode(), "index.json: decks[1].version: must be between 1 and"),
        (json.dumps(_index(version=True)).encode(), "index.json: decks[1].version: must be a whole number, not true/false"),
        (json.dumps(_index(id="small")).encode(), "index.json: decks[1].id: deck 'small' is listed twice"),
        (json.dumps(_index(id="Bad Id")).encode(), "index.json: decks[1].id: 'Bad Id' is not a deck id"),
        (json.dumps(_index(url="../secret.quizdeck")).encode(), "index.json: decks[1].url: '../secret.quizdeck' must name a .quizdeck file below the index"),
        (json.dumps(_index(url="https://elsewhere.example/x.quizdeck")).encode(), "decks[1].url: 'https://elsewhere.example/x.quizdeck' is not a file name relative to the index"),
        (json.dumps(_index(size=-1)).encode(), "decks[1].size: must be between 1 and"),
        (b'{"format": 1, "format": 1}', "the key 'format' appears twice"),
        (b'{"format": NaN}', "not valid JSON"),
    ],
)
def test_a_malformed_index_is_refused_saying_where(document: bytes, message: str) -> None:
    with pytest.raises(FeedError) as error:
        parse_index(document)
    assert message in str(error.value)


def test_a_folder_address_finds_its_index() -> None:
    assert index_url("http://10.0.0.5:8765") == "http://10.0.0.5:8765/index.json"
    assert index_url(" http://10.0.0.5:8765/class/ ") == "http://10.0.0.5:8765/class/index.json"
    assert index_url("https://pages.example/feed/index.json") == "https://pages.example/feed/index.json"
    with pytest.raises(FeedError, match="not a web address"):
        index_url("ftp://x/")


# -- signed feeds: who may change a learner's decks -------------------------------------------------


FORGED_DECK = SMALL_DECK.replace("Back one", "Let them sleep it off; do not call anyone").replace("version: 1", "version: 2")


def _forge(site: Path, forger: PublisherKey | None, tmp_path: Path) -> None:
    """What a rogue host or a man in the middle serves: a higher version with false advice, listed
    with its right size and SHA-256, in an index signed by the forger's key (or by none)."""
    decks = tmp_path / "forged-decks"
    decks.mkdir(exist_ok=True)
    (decks / "small.yaml").write_text(FORGED_DECK)
    publish(decks, site, generated=GENERATED, signer=forger)


def _other_key_refusal(what: str) -> str:
    return (
        f"{what} is signed by publisher key {describe_key(ROGUE.public_key)}, not by {describe_key(TEACHER.public_key)}, the key this feed "
        "is pinned to; it was not used. If your teacher has a new key, subscribe again with the address their screen shows now"
    )


@pytest.mark.parametrize("forger", ["rogue key", "unsigned"])
def test_a_forged_feed_is_refused_naming_both_keys_and_the_deck_is_untouched(
    forger: str, decks_dir: Path, host: tuple[str, Path], collection: Collection, tmp_path: Path
) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)
    subscription, _ = subscribe(collection, keyed_address(url, TEACHER.public_key))
    assert subscription.key == TEACHER.public_key
    check_for_updates(collection)
    before = collection.deck("small")

    _forge(site, ROGUE if forger == "rogue key" else None, tmp_path)
    [update] = check_for_updates(collection)

    [error] = update.errors
    if forger == "rogue key":
        assert error == _other_key_refusal(f"{url}index.json")
    else:
        assert error.startswith(f"{url}index.json is not signed, but this feed is pinned to publisher key {describe_key(TEACHER.public_key)}")
    assert update.results == [] and collection.deck("small") == before
    with pytest.raises(FeedError, match="not signed|is signed by publisher key"):
        subscribe(collection, keyed_address(url, TEACHER.public_key))  # a new subscription is refused too


def test_a_bundle_signed_by_another_key_is_refused_even_under_the_teachers_index(
    decks_dir: Path, host: tuple[str, Path], collection: Collection, tmp_path: Path
) -> None:
    url, site = host
    _forge(site, ROGUE, tmp_path)
    forged_bundle = (site / "small-v2.quizdeck").read_bytes()
    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)
    # An index the teacher signed, listing (by mistake or by a bug) a bundle someone else signed.
    index = json.loads((site / "index.json").read_bytes())
    small = next(d for d in index["decks"] if d["id"] == "small")
    small.update(version=2, url="small-v2.quizdeck", size=len(forged_bundle), sha256=hashlib.sha256(forged_bundle).hexdigest())
    (site / "index.json").write_text(json.dumps(TEACHER.sign(index, feed_module.SIGNATURE_PURPOSE)))
    subscribe(collection, keyed_address(url, TEACHER.public_key))
    [update] = check_for_updates(collection)
    assert [r.deck_id for r in update.results] == ["other"]
    assert update.errors == [_other_key_refusal(f"{url}small-v2.quizdeck")]
    assert "small" not in collection.deck_ids()


def test_a_feed_followed_before_signing_pins_the_first_key_it_sees_once(decks_dir: Path, host: tuple[str, Path], collection: Collection, tmp_path: Path) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED)  # an older teacher app: unsigned
    subscription, _ = subscribe(collection, url)
    assert subscription.key is None
    [first] = check_for_updates(collection)
    assert first.notes == [] and {"other", "small"} <= set(collection.deck_ids())

    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)  # the teacher updates quizapp
    [pinning] = check_for_updates(collection)
    assert pinning.errors == [] and pinning.notes == [
        f"this feed is now signed: it is pinned to publisher key {describe_key(TEACHER.public_key)} from now on; check those words with your teacher"
    ]
    assert subscriptions(collection)[0].key == TEACHER.public_key

    _forge(site, ROGUE, tmp_path)  # only once: after that, another key is refused
    [forged] = check_for_updates(collection)
    assert forged.notes == [] and "is signed by publisher key" in forged.errors[0]
    assert collection.deck_info("small")[0].version == 1


def test_an_address_without_a_key_pins_the_key_the_feed_is_signed_with(decks_dir: Path, host: tuple[str, Path], collection: Collection) -> None:
    url, site = host
    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)
    subscription, _ = subscribe(collection, url)
    assert subscription.key == TEACHER.public_key
    subscribe(collection, url)  # subscribing again keeps the pin and one subscription
    assert subscriptions(collection) == [subscription]
    # The teacher's new key, given in the address they show, replaces the pin on purpose.
    publish(decks_dir, site, generated=GENERATED, signer=ROGUE)
    moved, _ = subscribe(collection, keyed_address(url, ROGUE.public_key))
    assert subscriptions(collection) == [moved] and moved.key == ROGUE.public_key


def test_a_damaged_key_in_the_address_is_refused(collection: Collection) -> None:
    with pytest.raises(QuizappError, match="the key in the address .* is damaged"):
        subscribe(collection, "http://10.0.0.5:8765/#key=abc")


# -- downloads: an overall deadline and redirects kept to the same site -----------------------------


Route = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def scripted() -> Iterator[tuple[str, dict[str, Route]]]:
    """A web server on 127.0.0.1 whose answer for each path a test scripts (404 otherwise)."""
    routes: dict[str, Route] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
            else:
                route(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


def _static(body: bytes) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def _drip(body: bytes, *, in_headers: bool, every: float = 0.2) -> Route:
    """Send the answer a byte at a time (the status line and headers too, with `in_headers`)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        if not in_headers:
            handler.wfile.write(head)
            handler.wfile.flush()
        try:
            for byte in (head if in_headers else b"") + body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up, as it should

    return answer


def _redirect(location: str) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_server_that_drips_its_index_fails_within_the_deadline(in_headers: bool, scripted: tuple[str, dict[str, Route]], collection: Collection) -> None:
    """Before, a per-read timeout let a byte every 2 s hold `subscribe --timeout 3` for over 100 s."""
    base, routes = scripted
    routes["/index.json"] = _drip(b"{" + b" " * 500 + b"}", in_headers=in_headers)
    started = time.monotonic()
    with pytest.raises(NetworkError, match="did not answer within 1 seconds"):
        subscribe(collection, f"{base}/", timeout=1)
    assert time.monotonic() - started < 1 + 2  # the deadline plus a margin for a busy machine


def test_a_dripping_bundle_fails_within_its_own_deadline(decks_dir: Path, tmp_path: Path, scripted: tuple[str, dict[str, Route]], collection: Collection) -> None:
    base, routes = scripted
    site = tmp_path / "published"
    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)
    routes["/index.json"] = _static((site / "index.json").read_bytes())
    routes["/other-v1.quizdeck"] = _static((site / "other-v1.quizdeck").read_bytes())
    routes["/small-v1.quizdeck"] = _drip((site / "small-v1.quizdeck").read_bytes(), in_headers=False)
    started = time.monotonic()
    [update] = check_for_updates(collection, [keyed_address(f"{base}/", TEACHER.public_key)], timeout=1)
    assert time.monotonic() - started < 1 + 2
    assert [r.deck_id for r in update.results] == ["other"]
    assert update.errors == [f"{base}/small-v1.quizdeck did not answer within 1 seconds; check the network and try again"]


def test_a_redirect_to_another_port_is_refused_and_never_followed(decks_dir: Path, tmp_path: Path, scripted: tuple[str, dict[str, Route]], collection: Collection) -> None:
    base, routes = scripted
    site = tmp_path / "published"
    publish(decks_dir, site, generated=GENERATED, signer=TEACHER)
    elsewhere_hits: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            elsewhere_hits.append(self.path)
            _static((site / "small-v1.quizdeck").read_bytes())(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=other.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        target = f"http://127.0.0.1:{other.server_address[1]}/small-v1.quizdeck"
        # Within the same site a redirect is followed (a host moving its files into a folder).
        routes["/index.json"] = _redirect("/files/index.json")
        routes["/files/index.json"] = _static((site / "index.json").read_bytes())
        routes["/other-v1.quizdeck"] = _redirect("/files/other-v1.quizdeck")
        routes["/files/other-v1.quizdeck"] = _static((site / "other-v1.quizdeck").read_bytes())
        routes["/small-v1.quizdeck"] = _redirect(target)
        [update] = check_for_updates(collection, [f"{base}/index.json"])
    finally:
        other.shutdown()
        other.server_close()
    assert [r.deck_id for r in update.results] == ["other"]
    assert update.errors == [
        f"{base}/small-v1.quizdeck: the server redirected to {target}, another site (or port); quizapp follows redirects only within the same site"
    ]
    assert elsewhere_hits == []


def test_more_than_three_redirects_are_refused(scripted: tuple[str, dict[str, Route]], collection: Collection) -> None:
    base, routes = scripted
    for hop in range(5):
        routes[f"/{hop}/index.json"] = _redirect(f"/{hop + 1}/index.json")
    with pytest.raises(NetworkError, match="redirected more than 3 times; stopped"):
        subscribe(collection, f"{base}/0/", timeout=5)
