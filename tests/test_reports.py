"""Class reports: what a learner sends (and nothing more), sending it, and the teacher's ranking,
table and chart."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK, small_deck
from PIL import Image

from quizapp.core import backup
from quizapp.core.card_state import Rating
from quizapp.core.collection import LEARNER_TOKEN, Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import QuizappError
from quizapp.sharing.feed import publish
from quizapp.sharing.report_chart import draw_chart
from quizapp.sharing.reports import (
    LEARNERS_FILE,
    CardReport,
    ClassReport,
    NicknameTaken,
    ReportBox,
    ReportError,
    ReportsFull,
    Withdrawal,
    build_report,
    check_against_deck,
    format_table,
    hardest_cards,
    load_reports,
    parse_report,
    remember_served_dir,
    remembered_served_dir,
    report_url,
    reported_decks,
    send_report,
    studied_cards,
)
from quizapp.sharing.server import ShareServer
from quizapp.sharing.web import NetworkError


def test_a_report_holds_each_live_card_s_reviews_lapses_and_retrievability_only(small: Collection, clock: FixedClock) -> None:
    small.answer(("small", "b1", 0), Rating.EASY)  # graduates at once, so the next Again is a lapse
    clock.advance(days=10)
    small.answer(("small", "b1", 0), Rating.AGAIN)
    report = build_report(small, "small", "  Ana   B. ")
    assert report.nickname == "Ana B." and report.deck_id == "small"
    assert [(c.card_id, c.sibling) for c in report.cards] == [("b1", 0), ("b2", 0), ("r1", 0), ("r1", 1), ("c1", 0), ("c1", 1), ("t1", 0)]
    b1 = report.cards[0]
    assert (b1.reviews, b1.lapses) == (2, 1) and b1.retrievability is not None and 0 < b1.retrievability <= 1
    assert report.cards[1] == CardReport("b2", 0, 0, 0, None)
    assert set(report.to_dict()) == {"format", "deck_id", "nickname", "learner", "cards"}
    assert report.format == 2 and report.learner == small.learner_token()
    assert set(report.to_dict()["cards"][0]) == {"card", "sibling", "reviews", "lapses", "retrievability"}
    assert parse_report(report.to_json()) == report


@pytest.mark.parametrize(("nickname", "message"), [("   ", "nickname: must not be empty"), ("x" * 41, "nickname: is 41 characters long")])
def test_a_report_needs_a_short_nickname(small: Collection, nickname: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        build_report(small, "small", nickname)


def test_the_report_address_is_beside_the_feed_index() -> None:
    assert report_url("http://10.0.0.5:8765/") == "http://10.0.0.5:8765/reports"
    assert report_url("http://10.0.0.5:8765/index.json") == "http://10.0.0.5:8765/reports"


@pytest.fixture
def share(tmp_path: Path) -> Iterator[ShareServer]:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK)
    publish(decks, tmp_path / "out", generated=datetime(2025, 3, 1, tzinfo=timezone.utc))
    with ShareServer(tmp_path / "out", host="127.0.0.1", port=0) as running:
        yield running


def test_send_report_reaches_the_teacher_and_a_resend_says_it_replaced(small: Collection, share: ShareServer) -> None:
    report = build_report(small, "small", "Ana")
    assert send_report(share.url, report) == "Your report for 'small' reached the teacher."
    assert send_report(share.url, report) == "Your report for 'small' reached the teacher (it replaces your earlier one)."
    assert load_reports(share.reports_dir, "small") == [replace(report, learner=None)]  # the key is not stored


def test_send_report_for_a_deck_the_teacher_does_not_share_says_so(collection: Collection, share: ShareServer) -> None:
    collection.apply_deck(small_deck(text=SMALL_DECK.replace("id: small", "id: other")), source_path=None, content_hash="x")
    with pytest.raises(NetworkError, match="404 Not Found: this share does not serve deck 'other'"):
        send_report(share.url, build_report(collection, "other", "Ana"))


# -- the class view ---------------------------------------------------------------------------------


def class_reports() -> list[ClassReport]:
    return [
        ClassReport("small", "Ana", (CardReport("b1", 0, 5, 2, 0.50), CardReport("b2", 0, 3, 0, 0.95), CardReport("r1", 1, 2, 1, 0.70), CardReport("t1", 0, 0, 0, None))),
        ClassReport("small", "Bo", (CardReport("b1", 0, 4, 1, 0.70), CardReport("b2", 0, 2, 1, 0.85), CardReport("r1", 1, 3, 3, 0.50), CardReport("t1", 0, 0, 0, None))),
        ClassReport("small", "Cy", (CardReport("b1", 0, 0, 0, None), CardReport("b2", 0, 1, 0, 0.90))),
    ]


def test_hardest_cards_come_first_and_unreviewed_cards_last() -> None:
    rows = hardest_cards(class_reports(), small_deck())
    # b1 and r1#1 both average 0.60; r1 has more lapses, so it is harder.
    assert [(r.card_id, r.sibling, r.learners, r.total_lapses) for r in rows] == [("r1", 1, 2, 4), ("b1", 0, 2, 3), ("b2", 0, 3, 1), ("t1", 0, 0, 0)]
    assert [None if r.mean_retrievability is None else round(r.mean_retrievability, 3) for r in rows] == [0.6, 0.6, 0.9, None]
    assert [r.front for r in rows] == ["Stimulant", "Front one", "Front two", "Heroin is a stimulant."]


def test_the_table_shows_card_front_learners_mean_retrievability_and_lapses() -> None:
    table = format_table(hardest_cards(class_reports(), small_deck()))
    assert table.splitlines() == [
        "card  front                   learners  mean R  lapses",
        "r1#1  Stimulant                      2     60%       4",
        "b1    Front one                      2     60%       3",
        "b2    Front two                      3     90%       1",
        "t1    Heroin is a stimulant.         0       -       0",
    ]


def test_stored_reports_are_one_per_learner_and_deck(tmp_path: Path) -> None:
    box = ReportBox(tmp_path)
    reports = [replace(r, learner=f"key-of-{r.nickname}".ljust(32, "x")) for r in class_reports()]
    assert [box.submit(r) for r in reports] == [False, False, False]
    assert box.submit(replace(reports[0], nickname="ANA")) is True
    assert [r.nickname for r in load_reports(tmp_path, "small")] == ["ANA", "Bo", "Cy"]
    assert reported_decks(tmp_path) == ["small"]


def test_the_chart_is_a_png_with_a_bar_per_card(tmp_path: Path) -> None:
    rows = hardest_cards(class_reports(), small_deck())
    path = draw_chart(rows, tmp_path / "chart.png", title="Small deck: 3 learners")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width == 1000
        # The hardest card's bar (60%) is drawn in a red-amber colour, left of the bar's middle.
        assert image.getpixel((16 + 430 + 40, 16 * 2 + 14 + 30 + 15))[0] > 150
    with pytest.raises(QuizappError, match="no reports yet"):
        draw_chart([], tmp_path / "empty.png", title="x")


def test_the_shared_folder_is_remembered_across_a_restart(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "data") as collection:
        assert remembered_served_dir(collection) is None
        remember_served_dir(collection, tmp_path / "share")
    with Collection.open(tmp_path / "data") as reopened:
        assert remembered_served_dir(reopened) == (tmp_path / "share").resolve()


# -- the learner's key -------------------------------------------------------------------------------


def test_the_learner_token_is_made_once_and_kept_across_a_restart(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "data") as collection:
        token = collection.learner_token()
        assert LEARNER_TOKEN.match(token) and collection.learner_token() == token
    with Collection.open(tmp_path / "data") as reopened:
        assert reopened.learner_token() == token
    with Collection.open(tmp_path / "other") as someone_else:
        assert someone_else.learner_token() != token


def test_the_learner_token_is_kept_by_a_backup_and_its_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Collection.open(data) as collection:
        token = collection.learner_token()
        made = backup.backup_now(collection.store, data, collection.now())
        collection.store.set_setting("sharing.learner_token", None)  # as if lost: a new key would be made
    backup.restore(data, made, datetime(2030, 1, 1, tzinfo=timezone.utc))
    with Collection.open(data) as restored:
        assert restored.learner_token() == token


# -- what a report may say -----------------------------------------------------------------------------

TOKEN_A = "a" * 32
TOKEN_B = "b" * 32


def report_json(**changes: object) -> bytes:
    data: dict[str, object] = {"format": 2, "deck_id": "small", "nickname": "Ana", "learner": TOKEN_A, "cards": [CardReport("b1", 0, 3, 1, 0.8).to_dict()]}
    data.update(changes)
    return json.dumps(data).encode()


def test_an_older_app_s_format_1_report_is_still_read_and_has_no_key() -> None:
    old = parse_report(b'{"format": 1, "deck_id": "small", "nickname": "Ana", "cards": []}')
    assert old.format == 1 and old.learner is None
    with pytest.raises(ReportError, match="learner: is not part of report format 1"):
        parse_report(report_json(format=1))
    with pytest.raises(ReportError, match="format: must be between 1 and 2, not 3"):
        parse_report(report_json(format=3))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cards": [CardReport("b1", 0, 3, 4, 0.8).to_dict()]}, "cards[0].lapses: 4 lapses but only 3 reviews; lapses may not exceed reviews"),
        ({"cards": [CardReport("b1", 0, 1_000_001, 0, 0.8).to_dict()]}, "cards[0].reviews: must be between 0 and 1000000"),
        ({"cards": [CardReport("b1", 0, 1, 0, 0.8).to_dict()] * 5001}, "cards: has 5001 items; at most 5000 are allowed"),
        ({"cards": [{**CardReport("b1", 0, 1, 0, 0.8).to_dict(), "sibling": 100}]}, "cards[0].sibling: must be between 0 and 99"),
        ({"learner": "short"}, "learner: 'short' is not a learner key"),
        ({"learner": "a" * 31 + "!"}, "is not a learner key"),
    ],
)
def test_counts_are_bounded_and_lapses_may_not_exceed_reviews(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ReportError, match=re.escape(message)):
        parse_report(report_json(**changes))


@pytest.mark.parametrize(
    ("nickname", "named"),
    [
        ("Ana\x1b[31m", "U+001B"),
        ("Ana\x7f", "U+007F"),
        ("Ana\x9b31m", "U+009B"),  # CSI as one C1 character
        ("Ana\x85", "U+0085"),
        ("\u202eanA", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("Ana\u202d", "U+202D (LEFT-TO-RIGHT OVERRIDE)"),
        ("\u2067Ana\u2069", "U+2067 (RIGHT-TO-LEFT ISOLATE)"),
        ("Ana\u200f", "U+200F (RIGHT-TO-LEFT MARK)"),
        ("Ana\u061c", "U+061C (ARABIC LETTER MARK)"),
        ("Ana\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("Ana\tB", "U+0009"),
    ],
)
def test_a_nickname_may_not_hold_control_direction_or_invisible_characters(nickname: str, named: str) -> None:
    with pytest.raises(ReportError, match=re.escape(f"nickname: holds {named}")):
        parse_report(report_json(nickname=nickname))


def test_names_in_other_scripts_and_with_emoji_are_fine() -> None:
    for nickname in ("José", "Ана", "سارا", "משה", "李雷", "Ana 👩\u200d🏫", "Nāmaḥ"):
        assert parse_report(report_json(nickname=nickname)).nickname == nickname


def test_a_report_is_checked_against_the_served_deck() -> None:
    studied = studied_cards(small_deck())
    label = "the deck 'small' v1 that this share serves"
    check_against_deck(parse_report(report_json()), studied, label)
    with pytest.raises(ReportError, match=r"cards\[0\]: card 'zz' is not in the deck 'small' v1 that this share serves; update your decks"):
        check_against_deck(parse_report(report_json(cards=[CardReport("zz", 0, 1, 0, 0.5).to_dict()])), studied, label)
    with pytest.raises(ReportError, match="card 'b1' sibling 1 is not in"):  # a basic card has no reverse
        check_against_deck(parse_report(report_json(cards=[CardReport("b1", 1, 1, 0, 0.5).to_dict()])), studied, label)
    with pytest.raises(ReportError, match="card 'c1' sibling 2 is not in"):  # two cloze deletions: siblings 0 and 1
        check_against_deck(parse_report(report_json(cards=[CardReport("c1", 2, 1, 0, 0.5).to_dict()])), studied, label)


# -- the teacher's box: nicknames, withdrawals, limits -----------------------------------------------


def sent(nickname: str = "Ana", learner: str | None = TOKEN_A, deck_id: str = "small", lapses: int = 1) -> ClassReport:
    return ClassReport(deck_id, nickname, (CardReport("b1", 0, 3, lapses, 0.8),), learner, 2 if learner else 1)


@pytest.mark.parametrize("impostor", ["ANA", " ana ", "Ａｎａ", "ａＮＡ"])
def test_a_nickname_stays_with_the_key_that_first_used_it(tmp_path: Path, impostor: str) -> None:
    box = ReportBox(tmp_path)
    assert box.submit(sent("Ana", TOKEN_A, lapses=1)) is False
    with pytest.raises(NicknameTaken, match=f"the name '{impostor}' is already used by another learner; choose another name"):
        box.submit(sent(impostor, TOKEN_B, lapses=3))
    assert [(r.nickname, r.cards[0].lapses) for r in load_reports(tmp_path, "small")] == [("Ana", 1)]
    assert box.submit(sent(impostor, TOKEN_A, lapses=2)) is True  # the same learner, typed differently
    assert box.nicknames() == ["Ana"]


def test_the_nickname_file_holds_a_digest_of_the_key_never_the_key(tmp_path: Path) -> None:
    ReportBox(tmp_path).submit(sent("Ana", TOKEN_A))
    stored = (tmp_path / LEARNERS_FILE).read_text()
    assert TOKEN_A not in stored and "Ana" in stored
    assert not any(TOKEN_A in p.read_text() for p in tmp_path.rglob("*.json"))


def test_a_report_from_an_older_app_is_taken_until_a_key_holds_the_name(tmp_path: Path) -> None:
    box = ReportBox(tmp_path)
    assert box.submit(sent("Ana", None, lapses=1)) is False  # bound to nothing
    assert box.submit(sent("Ana", None, lapses=2)) is True  # and replaceable by any older app
    assert box.submit(sent("Ana", TOKEN_A, lapses=3)) is True  # the first key takes the name
    with pytest.raises(NicknameTaken, match="this app is too old to show it is theirs; update quizapp"):
        box.submit(sent("Ana", None, lapses=4))
    assert load_reports(tmp_path, "small")[0].cards[0].lapses == 3


def test_the_teacher_releases_a_nickname_and_deletes_any_report(tmp_path: Path) -> None:
    box = ReportBox(tmp_path)
    box.submit(sent("Ana", TOKEN_A))
    box.submit(sent("Ana", TOKEN_A, deck_id="other"))
    box.submit(sent("Bo", TOKEN_B))
    assert box.release("ANA") is True and box.release("ANA") is False
    assert box.submit(sent("Ana", TOKEN_B, lapses=2)) is True  # Ana's new phone takes the name
    assert ReportBox(tmp_path).nicknames() == ["Ana", "Bo"]
    assert box.delete("bo", "small") == ["small"] and box.delete("bo", "small") == []
    assert box.delete("Ana") == ["other", "small"]
    assert reported_decks(tmp_path) == []
    with pytest.raises(ReportError, match="'../x' is not a deck id"):
        box.delete("Ana", "../x")


def test_a_learner_withdraws_their_own_report_with_their_key_only(tmp_path: Path) -> None:
    box = ReportBox(tmp_path)
    box.submit(sent("Ana", TOKEN_A))
    with pytest.raises(NicknameTaken, match="no report under 'ana' was sent from this app"):
        box.withdraw(Withdrawal("small", "ana", TOKEN_B))
    assert load_reports(tmp_path, "small")
    assert box.withdraw(Withdrawal("small", "ana", TOKEN_A)) is True
    assert box.withdraw(Withdrawal("small", "ana", TOKEN_A)) is False
    assert load_reports(tmp_path, "small") == [] and box.nicknames() == ["Ana"]


def test_the_box_keeps_at_most_its_number_and_bytes_of_reports_per_deck(tmp_path: Path) -> None:
    box = ReportBox(tmp_path, max_reports=3, max_bytes=10_000)
    for number in range(3):
        box.submit(sent(f"learner {number}", f"{number}".ljust(32, "k")))
    with pytest.raises(ReportsFull, match="already holds 3 reports for 'small', as many as it keeps"):
        box.submit(sent("learner 3", "3".ljust(32, "k")))
    assert box.submit(sent("learner 0", "0".ljust(32, "k"), lapses=2)) is True  # a resend still replaces
    box.submit(sent("learner 3", "3".ljust(32, "k"), deck_id="other"))  # each deck has its own limit
    big = ReportBox(tmp_path / "big", max_bytes=2_000)
    many_cards = tuple(CardReport(f"c{n}", 0, 1, 0, 0.5) for n in range(40))
    with pytest.raises(ReportsFull, match="would pass 0 MB"):
        big.submit(ClassReport("small", "Ana", many_cards, TOKEN_A))
    assert load_reports(tmp_path / "big", "small") == []


def test_the_box_keeps_at_most_its_number_of_nicknames(tmp_path: Path) -> None:
    box = ReportBox(tmp_path, max_learners=2)
    box.submit(sent("A", TOKEN_A))
    box.submit(sent("B", TOKEN_B))
    with pytest.raises(ReportsFull, match="already knows 2 learners"):
        box.submit(sent("C", "c" * 32))


def test_a_damaged_nickname_file_refuses_reports_rather_than_free_every_name(tmp_path: Path) -> None:
    box = ReportBox(tmp_path)
    box.submit(sent("Ana", TOKEN_A))
    (tmp_path / LEARNERS_FILE).write_text('{"format": 1, "learners": {"ana": {"nickname": "Ana"}}}')
    with pytest.raises(ReportError, match="the key 'key_sha256' is missing"):
        box.submit(sent("Ana", TOKEN_B))
