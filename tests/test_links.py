"""quizapp://subscribe links, as the class page's "Open in quizapp" button makes them: checked
strictly, and turned into what the subscribe dialog shows (the feed, the key and its words)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SMALL_DECK

from quizapp.cli import main
from quizapp.core.collection import Collection
from quizapp.sharing.feed import publish, subscriptions
from quizapp.sharing.links import LinkError, parse_subscribe_link, subscribe_link
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey, fingerprint_words

KEY = PublisherKey.from_raw(bytes(range(32))).public_key


def test_a_link_gives_the_feed_its_key_and_the_words_to_compare() -> None:
    link = parse_subscribe_link(f"quizapp://subscribe?url=http%3A%2F%2F192.168.1.20%3A8765%2F&key={KEY}")
    assert (link.feed_url, link.key, link.words) == ("http://192.168.1.20:8765/", KEY, fingerprint_words(KEY))
    assert link.address == f"http://192.168.1.20:8765/#key={KEY}"


def test_links_made_here_read_back_and_a_link_without_a_key_asks_for_none() -> None:
    for url in ("https://school.example/feeds/class%207b/", "http://[fe80::1]:8765/"):
        assert parse_subscribe_link(subscribe_link(url, KEY)).feed_url == url
    bare = parse_subscribe_link(subscribe_link("http://10.0.0.5:8765/", None))
    assert (bare.key, bare.words, bare.address) == (None, None, "http://10.0.0.5:8765/")
    assert parse_subscribe_link(f"  QUIZAPP://Subscribe/?url=http%3A%2F%2Fa.b%2F&key={KEY}\n").key == KEY


@pytest.mark.parametrize(
    "link, message",
    [
        ("https://evil.example/?url=http://a/", "is not a quizapp subscribe link"),
        (f"quizapp://unsubscribe?url=http%3A%2F%2Fa%2F&key={KEY}", "is not a quizapp subscribe link"),
        (f"quizapp://subscribe/extra?url=http%3A%2F%2Fa%2F&key={KEY}", "is not a quizapp subscribe link"),
        ("quizapp://subscribe?key=" + KEY, "names no feed address"),
        ("quizapp://subscribe?url=javascript%3Aalert(1)", "is not an http or https address"),
        ("quizapp://subscribe?url=file%3A%2F%2F%2Fetc%2Fpasswd", "is not an http or https address"),
        ("quizapp://subscribe?url=ftp%3A%2F%2Fa%2F", "is not an http or https address"),
        ("quizapp://subscribe?url=http%3A%2F%2F%2Fpath", "is not an http or https address"),
        ("quizapp://subscribe?url=http%3A%2F%2Fteacher%40evil.example%2F", "holds a user name"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%3A99999%2F", "is not a web address"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F%23key%3Dx", "is damaged"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F%0Ax", "is damaged"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F&key=" + KEY[:-1], "the key in the link is damaged"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F&key=" + KEY[:-1] + "=", "the key in the link is damaged"),
        (f"quizapp://subscribe?url=http%3A%2F%2Fa%2F&url=http%3A%2F%2Fb%2F&key={KEY}", "twice"),
        (f"quizapp://subscribe?url=http%3A%2F%2Fa%2F&key={KEY}&then=delete", "'then', which quizapp does not know"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F&key", "is damaged"),
        ("quizapp://subscribe?url=%ff", "is damaged"),
        ("quizapp://subscribe?url=http://a/ b", "spaces or control characters"),
        (f"quizapp://subscribe?url=http%3A%2F%2Fa%2F&key={KEY}#x", "is not a quizapp subscribe link"),
        ("quizapp://subscribe?url=http%3A%2F%2Fa%2F" + "a" * 3000, "at most 2048"),
    ],
)
def test_a_bad_link_is_refused_with_what_is_wrong(link: str, message: str) -> None:
    with pytest.raises(LinkError) as refused:
        parse_subscribe_link(link)
    assert message in str(refused.value)


# -- following a link at a terminal: the same path the app's dialog takes --------------------------


@pytest.fixture
def signed_share(tmp_path: Path) -> Iterator[tuple[ShareServer, PublisherKey]]:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK)
    teacher = PublisherKey.generate()
    publish(decks, tmp_path / "out", signer=teacher)
    with ShareServer(tmp_path / "out", host="127.0.0.1", port=0) as running:
        yield running, teacher


def test_open_link_shows_the_publishers_words_and_subscribes_only_when_the_learner_says_yes(
    tmp_path: Path, signed_share: tuple[ShareServer, PublisherKey], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    share, teacher = signed_share
    link = subscribe_link(share.url.split("#")[0], teacher.public_key)
    learner = tmp_path / "learner"
    for answer, code in (("n", 1), ("yes", 0)):
        monkeypatch.setattr("builtins.input", lambda _prompt, answer=answer: answer)
        assert main(["--data-dir", str(learner), "open-link", link]) == code
        out = capsys.readouterr().out
        assert f"Publisher key words: {teacher.words}\nSubscribe only if your teacher's screen shows the same six words." in out
        with Collection.open(learner) as collection:
            assert [s.key for s in subscriptions(collection)] == ([] if code else [teacher.public_key])
    assert "pinned to publisher key" in out


def test_subscribe_takes_a_link_and_a_link_to_a_rogue_feed_is_refused(tmp_path: Path, signed_share: tuple[ShareServer, PublisherKey], capsys: pytest.CaptureFixture[str]) -> None:
    share, teacher = signed_share
    feed = share.url.split("#")[0]
    assert main(["--data-dir", str(tmp_path / "a"), "subscribe", subscribe_link(feed, teacher.public_key)]) == 0
    assert main(["--data-dir", str(tmp_path / "b"), "open-link", "--yes", subscribe_link(feed, PublisherKey.generate().public_key)]) == 1
    assert "is signed by publisher key" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "c"), "open-link", "--yes", "quizapp://subscribe?url=file%3A%2F%2F%2Fetc%2F"]) == 1
    assert "is not an http or https address" in capsys.readouterr().err
