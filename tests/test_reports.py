"""Class reports: what a learner sends (and nothing more), sending it, and the teacher's ranking,
table and chart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK, small_deck
from PIL import Image

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import QuizappError
from quizapp.sharing.feed import publish
from quizapp.sharing.report_chart import draw_chart
from quizapp.sharing.reports import (
    CardReport,
    ClassReport,
    ReportError,
    build_report,
    format_table,
    hardest_cards,
    load_reports,
    parse_report,
    report_url,
    remember_served_dir,
    remembered_served_dir,
    reported_decks,
    send_report,
    store_report,
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
    assert set(report.to_dict()) == {"format", "deck_id", "nickname", "cards"}
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
    assert load_reports(share.reports_dir, "small") == [report]


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
    reports = class_reports()
    assert [store_report(tmp_path, r) for r in reports] == [False, False, False]
    assert store_report(tmp_path, ClassReport("small", "ANA", reports[0].cards)) is True
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
