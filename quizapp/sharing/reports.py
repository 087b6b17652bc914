"""Class reports: what a learner chooses to tell the teacher about one deck, and the class view.

A report carries the deck id, a name or nickname the learner typed, the learner's random key (see
`Collection.learner_token`) and per studied card (card id, sibling) the number of reviews, lapses
and the current retrievability: nothing else, so no answers, times or device details leave the
phone. The teacher's share server keeps the reports in a `ReportBox` beside the served folder,
never inside it: one per learner and deck (a resend replaces it), and each nickname for the key
that first used it, so no one else can replace a learner's report. `hardest_cards` ranks the
class's cards from least to best remembered.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from quizapp.core.collection import LEARNER_TOKEN, Collection
from quizapp.core.controls import UNSAFE_IN_NAME, first_unsafe
from quizapp.core.deck import Deck
from quizapp.core.deckfile import CARD_ID, DECK_ID
from quizapp.core.errors import QuizappError
from quizapp.sharing.atomic import write_atomically
from quizapp.sharing.feed import index_url
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.web import TIMEOUT_SECONDS, request

# Format 2 added the learner's key ("learner"); format 1 reports (older apps) are still read.
REPORT_FORMAT = 2
OLDEST_REPORT_FORMAT = 1
REPORTS_PATH = "reports"  # where the share server takes reports, beside its index.json
WITHDRAW_PATH = "reports/withdraw"  # where a learner withdraws their own report
MAX_REPORT_BYTES = 512 * 1024
MAX_REPORT_CARDS = 5000
MAX_CARD_REVIEWS = 1_000_000
MAX_NICKNAME_CHARS = 40
MAX_SIBLING = 99  # cloze c1..c100
# What one share keeps, per deck and in all: a class is tens of learners, so these leave room
# for many classes while a single hostile client cannot fill the teacher's disk.
MAX_REPORTS_PER_DECK = 500
MAX_REPORT_BYTES_PER_DECK = 50 * 2**20
MAX_LEARNERS = 5000
LEARNERS_FILE = "learners.json"  # in the reports folder: each nickname's key (hashed)
MAX_LEARNERS_FILE_BYTES = 2 * 2**20
SERVED_DIR_SETTING = "sharing.served_dir"  # store setting: the folder this device last shared


class ReportError(QuizappError):
    """A class report is malformed, too large, or for a deck the teacher does not serve."""


class NicknameTaken(ReportError):
    """A report or withdrawal under a nickname that another learner's key holds."""


class ReportsFull(ReportError):
    """The share holds as many reports (or bytes of them) as it keeps; nothing more is stored."""


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
    learner: str | None = None  # the learner's key; None in a stored report and from older apps
    format: int = REPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        learner = {"learner": self.learner} if self.learner is not None else {}
        return {"format": self.format, "deck_id": self.deck_id, "nickname": self.nickname, **learner, "cards": [c.to_dict() for c in self.cards]}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, data: Any, source: str = "report") -> ClassReport:
        """Check a parsed report strictly; ReportError says where it is wrong."""
        read = JsonReader(source, ReportError)
        fields = read.object(data, "", ("format", "deck_id", "nickname", "cards"), ("learner",))
        number = read.integer(fields["format"], "format", minimum=OLDEST_REPORT_FORMAT, maximum=REPORT_FORMAT)
        learner = None
        if "learner" in fields:
            if number < 2:
                read.fail("learner", f"is not part of report format {number}")
            learner = _checked_learner(fields["learner"], read)
        cards = []
        seen: set[tuple[str, int]] = set()
        for index, item in enumerate(read.array(fields["cards"], "cards", max_items=MAX_REPORT_CARDS)):
            where = f"cards[{index}]"
            entry = read.object(item, where, ("card", "sibling", "reviews", "lapses", "retrievability"))
            card = CardReport(
                card_id=read.text(entry["card"], f"{where}.card", max_length=64, pattern=CARD_ID, rule="a card id"),
                sibling=read.integer(entry["sibling"], f"{where}.sibling", maximum=MAX_SIBLING),
                reviews=read.integer(entry["reviews"], f"{where}.reviews", maximum=MAX_CARD_REVIEWS),
                lapses=read.integer(entry["lapses"], f"{where}.lapses", maximum=MAX_CARD_REVIEWS),
                retrievability=read.fraction(entry["retrievability"], f"{where}.retrievability"),
            )
            if card.lapses > card.reviews:
                # A lapse is a review answered Again: more lapses than reviews is a made-up report.
                read.fail(f"{where}.lapses", f"{card.lapses} lapses but only {card.reviews} reviews; lapses may not exceed reviews")
            if (card.card_id, card.sibling) in seen:
                read.fail(where, f"card '{card.card_id}' sibling {card.sibling} is reported twice")
            seen.add((card.card_id, card.sibling))
            cards.append(card)
        return cls(
            deck_id=_checked_deck_id(fields["deck_id"], read),
            nickname=_checked_nickname(fields["nickname"], read),
            cards=tuple(cards),
            learner=learner,
            format=number,
        )


@dataclass(frozen=True)
class Withdrawal:
    """A learner's request to take back their report for one deck, proved by their key."""

    deck_id: str
    nickname: str
    learner: str

    def to_json(self) -> bytes:
        data = {"format": REPORT_FORMAT, "deck_id": self.deck_id, "nickname": self.nickname, "learner": self.learner}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_report(data: bytes, source: str = "report") -> ClassReport:
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"{source}: a report may be at most {MAX_REPORT_BYTES // 1024} KB")
    return ClassReport.from_dict(JsonReader(source, ReportError).load(data), source)


def parse_withdrawal(data: bytes, source: str = "withdrawal") -> Withdrawal:
    read = JsonReader(source, ReportError)
    fields = read.object(read.load(data[: MAX_REPORT_BYTES + 1]), "", ("format", "deck_id", "nickname", "learner"))
    read.integer(fields["format"], "format", minimum=REPORT_FORMAT, maximum=REPORT_FORMAT)
    return Withdrawal(_checked_deck_id(fields["deck_id"], read), _checked_nickname(fields["nickname"], read), _checked_learner(fields["learner"], read))


def check_against_deck(report: ClassReport, studied: frozenset[tuple[str, int]], deck_label: str) -> None:
    """Refuse a report naming a card or sibling that the served deck (`studied`: its card ids and
    siblings, `deck_label`: how to name it) does not have."""
    for index, card in enumerate(report.cards):
        if (card.card_id, card.sibling) not in studied:
            what = f"card '{card.card_id}'" if card.sibling == 0 else f"card '{card.card_id}' sibling {card.sibling}"
            raise ReportError(f"report: cards[{index}]: {what} is not in {deck_label}; update your decks and send again")


def studied_cards(deck: Deck) -> frozenset[tuple[str, int]]:
    """Every (card id, sibling) a learner of `deck` can study and report."""
    return frozenset((card.id, sibling) for card in deck.cards for sibling in card.siblings())


def _checked_deck_id(value: Any, read: JsonReader) -> str:
    return read.text(value, "deck_id", max_length=64, pattern=DECK_ID, rule="a deck id")


def _checked_learner(value: Any, read: JsonReader) -> str:
    return read.text(value, "learner", max_length=64, pattern=LEARNER_TOKEN, rule="a learner key (22-64 letters, digits, '-' or '_')")


def _checked_nickname(value: Any, read: JsonReader) -> str:
    text = read.text(value, "nickname", max_length=MAX_NICKNAME_CHARS)
    if unsafe := first_unsafe(text, UNSAFE_IN_NAME):
        # Two names that look alike must be one name, and none may steer the teacher's terminal.
        read.fail("nickname", f"holds {unsafe}; a name may not hold control, text-direction or invisible characters")
    return " ".join(text.split())


def nickname_key(nickname: str) -> str:
    """What makes two nicknames the same: case, spacing and Unicode compatibility forms aside
    ("ANA", " ana ", "Ａｎａ" are all "ana")."""
    spaced = " ".join(nickname.split())
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", spaced).casefold())


# -- the learner's side ---------------------------------------------------------------------------


def build_report(collection: Collection, deck_id: str, nickname: str) -> ClassReport:
    """The report a learner would send for one deck: each live card's reviews, lapses and
    retrievability now, under this learner's key. Raises ReportError for an empty, overlong or
    unprintable nickname."""
    deck = collection.deck(deck_id)
    cards = []
    for card in deck.cards:
        for sibling in card.siblings():
            key = (deck_id, card.id, sibling)
            state = collection.card_state(key)
            retrievability = collection.retrievability(key)
            cards.append(CardReport(card.id, sibling, state.reps, state.lapses, None if retrievability is None else round(retrievability, 4)))
    report = ClassReport(deck_id, " ".join(nickname.split()), tuple(cards), collection.learner_token())
    return ClassReport.from_dict(report.to_dict(), "your report")  # the checks the teacher's server applies


def build_withdrawal(collection: Collection, deck_id: str, nickname: str) -> Withdrawal:
    """The request that takes back this learner's report for a deck (sent under `nickname`)."""
    withdrawal = Withdrawal(deck_id, " ".join(nickname.split()), collection.learner_token())
    return parse_withdrawal(withdrawal.to_json(), "your request")


def report_url(feed_url: str, path: str = REPORTS_PATH) -> str:
    """Where a share server takes reports (or `path`), from its feed address (or the address it shows)."""
    return urllib.parse.urljoin(index_url(feed_url), path)


def send_report(feed_url: str, report: ClassReport, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """POST a report to the teacher's share server; returns its confirmation in plain words."""
    return _post(report_url(feed_url), report.to_json(), timeout)


def withdraw_report(feed_url: str, withdrawal: Withdrawal, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """Ask the teacher's share server to delete this learner's report; returns its answer in words."""
    return _post(report_url(feed_url, WITHDRAW_PATH), withdrawal.to_json(), timeout)


def _post(url: str, body: bytes, timeout: float) -> str:
    answer = request(url, body=body, max_bytes=4096, timeout=timeout)
    try:
        message = json.loads(answer)["message"]
    except (ValueError, KeyError, TypeError):
        raise ReportError(f"{url} did not answer as a quizapp share does; is it one?") from None
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


class ReportBox:
    """The reports a share keeps, in `reports_dir`: one file per learner and deck, named by a hash
    (no typed name ever becomes a path), and `learners.json`, which holds each nickname's key as a
    SHA-256 digest (a copy of the folder does not let anyone send as a learner).

    The first key a nickname arrives with keeps it until the teacher releases it; a report from an
    older app (no key) is taken only under a nickname no key holds. At most `max_reports` reports
    and `max_bytes` of them are kept per deck, and `max_learners` nicknames in all.
    Safe to use from the server's threads; the teacher's commands open the same folder afresh.
    """

    def __init__(
        self,
        reports_dir: Path,
        *,
        max_reports: int = MAX_REPORTS_PER_DECK,
        max_bytes: int = MAX_REPORT_BYTES_PER_DECK,
        max_learners: int = MAX_LEARNERS,
    ) -> None:
        self.dir = Path(reports_dir)
        self.max_reports = max_reports
        self.max_bytes = max_bytes
        self.max_learners = max_learners
        self._lock = threading.Lock()

    def submit(self, report: ClassReport) -> bool:
        """Store a checked report, replacing that learner's previous one for the deck; True if it
        replaced one. NicknameTaken or ReportsFull say why one is refused."""
        data = replace(report, learner=None, format=REPORT_FORMAT).to_json()  # the key stays with the learner
        key = nickname_key(report.nickname)
        with self._lock:
            learners = self._learners()
            holder = learners.get(key)
            if holder is not None and (report.learner is None or holder["key_sha256"] != _digest(report.learner)):
                raise NicknameTaken(_taken(report.nickname, older_app=report.learner is None))
            path = self._path(report.deck_id, key)
            previous = _size(path)
            count, total = self._usage(report.deck_id)
            if previous is None and count >= self.max_reports:
                raise ReportsFull(f"the teacher's share already holds {count} reports for '{report.deck_id}', as many as it keeps; tell your teacher")
            if total - (previous or 0) + len(data) > self.max_bytes:
                raise ReportsFull(f"the reports for '{report.deck_id}' would pass {self.max_bytes // 2**20} MB, as much as the share keeps; tell your teacher")
            if holder is None and report.learner is not None:
                if len(learners) >= self.max_learners:
                    raise ReportsFull(f"the teacher's share already knows {len(learners)} learners, as many as it keeps; tell your teacher")
                learners[key] = {"nickname": report.nickname, "key_sha256": _digest(report.learner)}
                self._save_learners(learners)
            write_atomically(path, data)
        return previous is not None

    def withdraw(self, withdrawal: Withdrawal) -> bool:
        """Delete a learner's own report for a deck, if their key holds the nickname; True if
        there was one."""
        key = nickname_key(withdrawal.nickname)
        with self._lock:
            holder = self._learners().get(key)
            if holder is None or holder["key_sha256"] != _digest(withdrawal.learner):
                raise NicknameTaken(f"no report under '{withdrawal.nickname}' was sent from this app; only the learner who sent it (or the teacher) can withdraw it")
            return _unlink(self._path(withdrawal.deck_id, key))

    def delete(self, nickname: str, deck_id: str | None = None) -> list[str]:
        """The teacher's deletion of a learner's report for one deck, or for every deck; returns
        the decks whose report was deleted. The nickname stays with its learner."""
        if deck_id is not None and not DECK_ID.match(deck_id):
            raise ReportError(f"'{deck_id}' is not a deck id")
        key = nickname_key(nickname)
        with self._lock:
            return [deck for deck in ([deck_id] if deck_id else reported_decks(self.dir)) if _unlink(self._path(deck, key))]

    def release(self, nickname: str) -> bool:
        """The teacher's release of a nickname: the next key to send under it holds it (a learner
        on a new phone, say). Their reports stay. True if a key held it."""
        key = nickname_key(nickname)
        with self._lock:
            learners = self._learners()
            if learners.pop(key, None) is None:
                return False
            self._save_learners(learners)
            return True

    def nicknames(self) -> list[str]:
        """The nicknames a learner's key holds, as first sent."""
        with self._lock:
            return sorted((entry["nickname"] for entry in self._learners().values()), key=str.casefold)

    def _path(self, deck_id: str, key: str) -> Path:
        return self.dir / deck_id / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.json"

    def _usage(self, deck_id: str) -> tuple[int, int]:
        """How many reports a deck has, and their bytes."""
        count = total = 0
        try:
            with os.scandir(self.dir / deck_id) as entries:
                for entry in entries:
                    if entry.name.endswith(".json") and not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                        count += 1
                        total += entry.stat(follow_symlinks=False).st_size
        except FileNotFoundError:
            pass
        return count, total

    def _learners(self) -> dict[str, dict[str, str]]:
        path = self.dir / LEARNERS_FILE
        try:
            with path.open("rb") as file:
                data = file.read(MAX_LEARNERS_FILE_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise ReportError(f"cannot read the class's nicknames ({path}): {error.strerror or error}") from None
        # Written only here; a damaged file refuses reports rather than let anyone take a name.
        read = JsonReader(str(path), ReportError)
        fields = read.object(read.load(data), "", ("format", "learners"))
        read.integer(fields["format"], "format", minimum=1, maximum=1)
        learners = {}
        for key, entry in read.mapping(fields["learners"], "learners", max_items=self.max_learners + 1).items():
            where = f"learners.{key[:40]}"
            item = read.object(entry, where, ("nickname", "key_sha256"))
            learners[key] = {
                "nickname": read.text(item["nickname"], f"{where}.nickname", max_length=MAX_NICKNAME_CHARS),
                "key_sha256": read.sha256(item["key_sha256"], f"{where}.key_sha256"),
            }
        return learners

    def _save_learners(self, learners: dict[str, dict[str, str]]) -> None:
        write_atomically(self.dir / LEARNERS_FILE, json.dumps({"format": 1, "learners": learners}, ensure_ascii=False, indent=1).encode("utf-8"))


def _digest(learner: str) -> str:
    return hashlib.sha256(learner.encode("ascii")).hexdigest()


def _taken(nickname: str, *, older_app: bool) -> str:
    if older_app:
        return f"the name '{nickname}' is kept for the learner who first used it, and this app is too old to show it is theirs; update quizapp, or choose another name"
    return f"the name '{nickname}' is already used by another learner; choose another name (if it is yours from another device, ask your teacher to release it)"


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


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
