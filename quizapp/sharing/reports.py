"""Class reports: what a learner chooses to tell the teacher about one deck, and the class view.

A report carries the deck id, a name or nickname the learner typed, and per studied card (card
id, sibling) the number of reviews, lapses and the current retrievability: nothing else, so no
answers, times or device details leave the phone. The teacher's share server stores one report
per learner and deck (a resend replaces it) beside the served folder, never inside it, and
`hardest_cards` ranks the class's cards from least to best remembered.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizapp.core.collection import Collection
from quizapp.core.deck import Deck
from quizapp.core.deckfile import CARD_ID, DECK_ID
from quizapp.core.errors import QuizappError
from quizapp.sharing.atomic import write_atomically
from quizapp.sharing.feed import index_url
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.web import TIMEOUT_SECONDS, request

REPORT_FORMAT = 1
REPORTS_PATH = "reports"  # where the share server takes reports, beside its index.json
MAX_REPORT_BYTES = 512 * 1024
MAX_REPORT_CARDS = 5000
MAX_NICKNAME_CHARS = 40
MAX_SIBLING = 99  # cloze c1..c100
SERVED_DIR_SETTING = "sharing.served_dir"  # store setting: the folder this device last shared

_NICKNAME = re.compile(r"[^\x00-\x1f\x7f]+\Z")


class ReportError(QuizappError):
    """A class report is malformed, too large, or for a deck the teacher does not serve."""


@dataclass(frozen=True)
class CardReport:
    card_id: str
    sibling: int
    reviews: int
    lapses: int
    retrievability: float | None  # None while the card is new

    def to_dict(self) -> dict[str, Any]:
        return {"card": self.card_id, "sibling": self.sibling, "reviews": self.reviews, "lapses": self.lapses, "retrievability": self.retrievability}


@dataclass(frozen=True)
class ClassReport:
    deck_id: str
    nickname: str
    cards: tuple[CardReport, ...]
    format: int = REPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "deck_id": self.deck_id, "nickname": self.nickname, "cards": [c.to_dict() for c in self.cards]}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, data: Any, source: str = "report") -> ClassReport:
        """Check a parsed report strictly; ReportError says where it is wrong."""
        read = JsonReader(source, ReportError)
        fields = read.object(data, "", ("format", "deck_id", "nickname", "cards"))
        read.integer(fields["format"], "format", minimum=REPORT_FORMAT, maximum=REPORT_FORMAT)
        cards = []
        seen: set[tuple[str, int]] = set()
        for number, item in enumerate(read.array(fields["cards"], "cards", max_items=MAX_REPORT_CARDS)):
            where = f"cards[{number}]"
            entry = read.object(item, where, ("card", "sibling", "reviews", "lapses", "retrievability"))
            card = CardReport(
                card_id=read.text(entry["card"], f"{where}.card", max_length=64, pattern=CARD_ID, rule="a card id"),
                sibling=read.integer(entry["sibling"], f"{where}.sibling", maximum=MAX_SIBLING),
                reviews=read.integer(entry["reviews"], f"{where}.reviews", maximum=1_000_000),
                lapses=read.integer(entry["lapses"], f"{where}.lapses", maximum=1_000_000),
                retrievability=read.fraction(entry["retrievability"], f"{where}.retrievability"),
            )
            if (card.card_id, card.sibling) in seen:
                read.fail(where, f"card '{card.card_id}' sibling {card.sibling} is reported twice")
            seen.add((card.card_id, card.sibling))
            cards.append(card)
        return cls(
            deck_id=read.text(fields["deck_id"], "deck_id", max_length=64, pattern=DECK_ID, rule="a deck id"),
            nickname=_checked_nickname(fields["nickname"], read),
            cards=tuple(cards),
        )


def parse_report(data: bytes, source: str = "report") -> ClassReport:
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"{source}: a report may be at most {MAX_REPORT_BYTES // 1024} KB")
    return ClassReport.from_dict(JsonReader(source, ReportError).load(data), source)


def _checked_nickname(value: Any, read: JsonReader) -> str:
    text = read.text(value, "nickname", max_length=MAX_NICKNAME_CHARS, pattern=_NICKNAME, rule="a name without control characters")
    return " ".join(text.split())


# -- the learner's side ---------------------------------------------------------------------------


def build_report(collection: Collection, deck_id: str, nickname: str) -> ClassReport:
    """The report a learner would send for one deck: each live card's reviews, lapses and
    retrievability now. Raises ReportError for an empty or overlong nickname."""
    deck = collection.deck(deck_id)
    cards = []
    for card in deck.cards:
        for sibling in card.siblings():
            key = (deck_id, card.id, sibling)
            state = collection.card_state(key)
            retrievability = collection.retrievability(key)
            cards.append(CardReport(card.id, sibling, state.reps, state.lapses, None if retrievability is None else round(retrievability, 4)))
    report = ClassReport(deck_id, " ".join(nickname.split()), tuple(cards))
    return ClassReport.from_dict(report.to_dict(), "your report")  # the checks the teacher's server applies


def report_url(feed_url: str) -> str:
    """Where a share server takes reports, from its feed address (or the address it shows)."""
    return urllib.parse.urljoin(index_url(feed_url), REPORTS_PATH)


def send_report(feed_url: str, report: ClassReport, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """POST a report to the teacher's share server; returns its confirmation in plain words."""
    answer = request(report_url(feed_url), body=report.to_json(), max_bytes=4096, timeout=timeout)
    try:
        message = json.loads(answer)["message"]
    except (ValueError, KeyError, TypeError):
        raise ReportError(f"{report_url(feed_url)} did not confirm the report; is it a quizapp share?") from None
    return str(message)


# -- the teacher's side ---------------------------------------------------------------------------


def remember_served_dir(collection: Collection, served_dir: Path) -> None:
    """Record the folder this device shares with its class, so the class report finds it later
    (from the app or `quizapp class-report`) without being told."""
    collection.store.set_setting(SERVED_DIR_SETTING, str(served_dir.resolve()))


def remembered_served_dir(collection: Collection) -> Path | None:
    """The folder this device last shared with its class, if any."""
    remembered = collection.store.get_setting(SERVED_DIR_SETTING)
    return Path(remembered) if remembered else None


def reports_dir_for(served_dir: Path) -> Path:
    """Reports are kept beside the served folder (`<folder>-reports`), never inside it, so the
    server can never hand one learner's report to another."""
    served = Path(served_dir).resolve()
    return served.parent / f"{served.name}-reports"


def _report_path(reports_dir: Path, report: ClassReport) -> Path:
    # One file per learner and deck: the same nickname (any case or spacing) replaces its report,
    # and the file name is a hash, so no typed name ever becomes a path.
    key = unicodedata.normalize("NFKC", report.nickname).casefold()
    return reports_dir / report.deck_id / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.json"


def store_report(reports_dir: Path, report: ClassReport) -> bool:
    """Save a report, replacing that learner's previous one for the deck; True if it replaced one."""
    path = _report_path(Path(reports_dir), report)
    replaced = path.exists()
    write_atomically(path, report.to_json())
    return replaced


def reported_decks(reports_dir: Path) -> list[str]:
    folder = Path(reports_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and DECK_ID.match(p.name) and any(p.glob("*.json")))


def load_reports(reports_dir: Path, deck_id: str) -> list[ClassReport]:
    """Every stored report for a deck, by nickname. Files that do not parse are skipped: the
    server only stores checked reports, so one would have been damaged on disk."""
    reports = []
    for path in sorted((Path(reports_dir) / deck_id).glob("*.json")):
        try:
            reports.append(parse_report(path.read_bytes(), str(path)))
        except (OSError, ReportError):
            continue
    return sorted((r for r in reports if r.deck_id == deck_id), key=lambda r: r.nickname.casefold())


@dataclass(frozen=True)
class HardCard:
    """One studied card across the class."""

    card_id: str
    sibling: int
    front: str
    learners: int  # who have reviewed it at least once
    mean_retrievability: float | None
    total_lapses: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "sibling": self.sibling,
            "front": self.front,
            "learners": self.learners,
            "mean_retrievability": self.mean_retrievability,
            "total_lapses": self.total_lapses,
        }


def hardest_cards(reports: Iterable[ClassReport], deck: Deck | None = None) -> list[HardCard]:
    """Cards ordered hardest first: lowest mean retrievability, then most lapses; cards nobody has
    reviewed come last. `deck` supplies each card's front text."""
    by_card: dict[tuple[str, int], list[CardReport]] = {}
    for report in reports:
        for card in report.cards:
            by_card.setdefault((card.card_id, card.sibling), []).append(card)
    rows = []
    for (card_id, sibling), cards in by_card.items():
        studied = [c.retrievability for c in cards if c.reviews and c.retrievability is not None]
        rows.append(
            HardCard(
                card_id=card_id,
                sibling=sibling,
                front=_front(deck, card_id, sibling),
                learners=sum(1 for c in cards if c.reviews),
                mean_retrievability=sum(studied) / len(studied) if studied else None,
                total_lapses=sum(c.lapses for c in cards),
            )
        )
    return sorted(rows, key=lambda r: (r.mean_retrievability is None, r.mean_retrievability or 0.0, -r.total_lapses, r.card_id, r.sibling))


def _front(deck: Deck | None, card_id: str, sibling: int) -> str:
    if deck is None:
        return ""
    try:
        card = deck.card(card_id)
    except KeyError:
        return "(not in this version of the deck)"
    if sibling not in card.siblings():
        return "(not in this version of the deck)"
    return " ".join(card.face(sibling).prompt.split())


def format_table(rows: list[HardCard], *, front_width: int = 50) -> str:
    """The class view as a text table, hardest cards first."""
    header = ("card", "front", "learners", "mean R", "lapses")
    lines = []
    for row in rows:
        card = row.card_id if row.sibling == 0 else f"{row.card_id}#{row.sibling}"
        front = row.front if len(row.front) <= front_width else row.front[: front_width - 1] + "…"
        mean = f"{row.mean_retrievability:.0%}" if row.mean_retrievability is not None else "-"
        lines.append((card, front, str(row.learners), mean, str(row.total_lapses)))
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    align = ["<", "<", ">", ">", ">"]
    return "\n".join("  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(cells, align, widths)).rstrip() for cells in [header, *lines])
