"""Checks on the bundled decks in decks/: they load, they cite their sources, they keep their ids,
they are big and varied enough, they copy no sentence from the material and give no dosing advice."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from quizapp.core import cloze
from quizapp.core.deck import Card, CardType, Deck
from quizapp.core.deckfile import load_deck, parse_deck

ROOT = Path(__file__).resolve().parents[1]
DECKS_DIR = ROOT / "decks"
PUBLISHED_IDS = DECKS_DIR / "published-ids.txt"
MATERIAL_DIR = SHARED / "material"

EXPECTED_DECKS = {
    "uppers-downers-opioids",
    "how-opioids-act",
    "speedball-and-mixing",
    "overdose-response",
    "tolerance-dependence-addiction",
    "depression-and-mental-health",
    "treatment-and-help",
}
# Decks are sized to their material, not padded: issue 14 retired cards that only repeated a fact
# (speedball-and-mixing rests on about eight sentences of the material and now has 12 cards).
MIN_TOTAL_CARDS = 170
MIN_CARDS_PER_DECK = 12
MIN_TYPES_PER_DECK = 3
COPY_RUN = 10  # this many consecutive words shared with the material counts as copying

# Words that would turn a card into dosing advice. "overdose" is fine; "dose" is not.
DOSING = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|ml|g|cc|milligrams?|micrograms?|grams?|millilitres?|milliliters?)\b"
    r"|\b(?:doses?|dosage|dosing|microdos\w*)\b"
    r"|\bhow\s+(?:much|many)\b[^.?!]*\b(?:take|use|inject|smoke|snort)\b"
    r"|\b(?:safe|safer|right|correct|starting)\s+(?:amount|quantity|level)\b"
    r"|\b(?:milligram|microgram)s?\b",
    re.IGNORECASE,
)


def deck_paths() -> list[Path]:
    return sorted(DECKS_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def decks() -> dict[Path, Deck]:
    return {path: load_deck(path) for path in deck_paths()}


def all_cards(decks: dict[Path, Deck]) -> list[tuple[Deck, Card]]:
    return [(deck, card) for deck in decks.values() for card in deck.cards]


# -- loading and identity ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", deck_paths(), ids=lambda p: p.name)
def test_deck_loads_without_problems(path: Path) -> None:
    deck = load_deck(path)  # raises DeckFileError listing every problem
    assert deck.cards


def test_the_seven_decks_exist(decks: dict[Path, Deck]) -> None:
    assert {deck.info.id for deck in decks.values()} == EXPECTED_DECKS


def test_deck_file_is_named_after_its_id_and_is_version_1(decks: dict[Path, Deck]) -> None:
    for path, deck in decks.items():
        assert path.stem == deck.info.id, f"{path.name} holds deck '{deck.info.id}'"
        assert deck.info.version >= 1


def test_deck_ids_unique_across_files(decks: dict[Path, Deck]) -> None:
    counts = Counter(deck.info.id for deck in decks.values())
    assert [deck_id for deck_id, n in counts.items() if n > 1] == []


def test_card_ids_unique_across_all_decks(decks: dict[Path, Deck]) -> None:
    counts = Counter(card.id for _, card in all_cards(decks))
    assert [card_id for card_id, n in counts.items() if n > 1] == []


# -- sources ----------------------------------------------------------------------------------------


def test_every_card_has_an_explanation_and_a_declared_source(decks: dict[Path, Deck]) -> None:
    missing = []
    for deck, card in all_cards(decks):
        declared = {source.id for source in deck.sources}
        if not card.explain.strip():
            missing.append(f"{deck.info.id}/{card.id}: no explain")
        if not card.sources:
            missing.append(f"{deck.info.id}/{card.id}: no source")
        for ref in card.sources:
            if ref not in declared:
                missing.append(f"{deck.info.id}/{card.id}: source '{ref}' not declared")
    assert missing == []


def test_every_source_names_a_material_file_and_is_cited(decks: dict[Path, Deck]) -> None:
    problems = []
    for deck in decks.values():
        cited = {ref for card in deck.cards for ref in card.sources}
        for source in deck.sources:
            if not source.file or not re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", source.file):
                problems.append(f"{deck.info.id}: source {source.id} has no material file name")
            if source.id not in cited:
                problems.append(f"{deck.info.id}: source {source.id} is declared but no card cites it")
            if MATERIAL_DIR.is_dir() and source.file and not (MATERIAL_DIR / source.file).is_file():
                problems.append(f"{deck.info.id}: source {source.id} names a missing file {source.file}")
    assert problems == []


def test_a_material_file_is_declared_the_same_way_in_every_deck(decks: dict[Path, Deck]) -> None:
    by_file: dict[str, set[tuple[str, str, str, str | None]]] = {}
    for deck in decks.values():
        for source in deck.sources:
            by_file.setdefault(source.file or "", set()).add((source.id, source.title, source.publisher, source.url))
    assert {f: v for f, v in by_file.items() if len(v) > 1} == {}


# -- size and variety -------------------------------------------------------------------------------


def test_card_counts(decks: dict[Path, Deck]) -> None:
    per_deck = {deck.info.id: len(deck.cards) for deck in decks.values()}
    assert sum(per_deck.values()) >= MIN_TOTAL_CARDS, per_deck
    assert {d: n for d, n in per_deck.items() if n < MIN_CARDS_PER_DECK} == {}


def test_card_types(decks: dict[Path, Deck]) -> None:
    used: set[CardType] = set()
    for deck in decks.values():
        types = {card.type for card in deck.cards}
        assert len(types) >= MIN_TYPES_PER_DECK, f"{deck.info.id} uses only {sorted(t.value for t in types)}"
        used |= types
    assert used == set(CardType)


def test_required_cards_exist(decks: dict[Path, Deck]) -> None:
    by_deck = {deck.info.id: deck for deck in decks.values()}
    # A match card that sorts substances into stimulant, depressant and opioid.
    sorts = [
        card
        for deck in decks.values()
        for card in deck.cards
        if card.type is CardType.MATCH
        and {name.lower() for name, _ in card.body.categories} >= {"stimulant", "depressant", "opioid"}
    ]
    assert sorts, "no match card sorts substances into Stimulant / Depressant / Opioid"
    overdose = by_deck["overdose-response"]
    assert any(card.type is CardType.ORDER for card in overdose.cards), "overdose deck needs an order card"
    myths = [card for _, card in all_cards(decks) if card.type is CardType.TRUEFALSE and not card.body.truth]
    assert len(myths) >= 3


# -- stable ids -------------------------------------------------------------------------------------


def read_published_ids() -> dict[str, set[str]]:
    published: dict[str, set[str]] = {}
    for number, line in enumerate(PUBLISHED_IDS.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        assert len(parts) == 2, f"{PUBLISHED_IDS.name}:{number}: expected '<deck id> <card id>'"
        published.setdefault(parts[0], set()).add(parts[1])
    return published


def vanished_ids(published: dict[str, set[str]], decks: list[Deck]) -> list[str]:
    """Published ids that are neither in their deck's cards nor in its `retired` list."""
    by_deck = {deck.info.id: deck for deck in decks}
    gone = []
    for deck_id, ids in sorted(published.items()):
        deck = by_deck.get(deck_id)
        if deck is None:
            gone.append(f"deck '{deck_id}' was published but no file in decks/ holds it")
            continue
        present = {card.id for card in deck.cards} | set(deck.retired)
        gone += [f"{deck_id}/{card_id}" for card_id in sorted(ids - present)]
    return gone


def test_no_published_id_disappears_unless_retired(decks: dict[Path, Deck]) -> None:
    gone = vanished_ids(read_published_ids(), list(decks.values()))
    assert gone == [], "these published ids vanished; put them back or list them under 'retired'"


def test_the_published_id_check_catches_a_removed_card_and_accepts_a_retired_one() -> None:
    def deck_yaml(cards: list[str], retired: list[str]) -> str:
        body = "".join(
            f"  - {{id: {cid}, type: basic, front: q, back: a, explain: e, source: s}}\n" for cid in cards
        )
        return (
            "format: 1\ndeck: {id: demo, version: 2, title: Demo}\n"
            "sources: [{id: s, title: T, publisher: P}]\n"
            f"retired: [{', '.join(retired)}]\ncards:\n{body}"
        )

    published = {"demo": {"a-one", "a-two"}}
    assert vanished_ids(published, [parse_deck(deck_yaml(["a-one", "a-two"], []))]) == []
    assert vanished_ids(published, [parse_deck(deck_yaml(["a-one"], []))]) == ["demo/a-two"]
    assert vanished_ids(published, [parse_deck(deck_yaml(["a-one"], ["a-two"]))]) == []
    assert vanished_ids({"gone": {"x"}}, []) == ["deck 'gone' was published but no file in decks/ holds it"]


def test_every_card_is_recorded_as_published(decks: dict[Path, Deck]) -> None:
    published = read_published_ids()
    unrecorded = [
        f"{deck.info.id} {card.id}"
        for deck in decks.values()
        for card in deck.cards
        if card.id not in published.get(deck.info.id, set())
    ]
    assert unrecorded == [], "add these lines to decks/published-ids.txt"


# -- content rules ----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def runs(tokens: list[str], n: int = COPY_RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def card_texts(card: Card) -> list[str]:
    """Every text of a card, each field on its own, cloze markup removed."""
    texts = card.searchable_text().split("\n")
    return [re.sub(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", r"\1", text) for text in texts]


def copied_runs(texts: list[str], material: set[tuple[str, ...]]) -> list[str]:
    found = []
    for text in texts:
        tokens = words(text)
        for i in range(len(tokens) - COPY_RUN + 1):
            if tuple(tokens[i : i + COPY_RUN]) in material:
                found.append(" ".join(tokens[i : i + COPY_RUN]))
    return found


@pytest.fixture(scope="module")
def material_runs() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for path in sorted(MATERIAL_DIR.glob("*.txt")):
        found |= runs(words(path.read_text(encoding="utf-8")))
    assert found, "no material text found"
    return found


@needs_shared
def test_no_card_copies_ten_words_from_the_material(decks: dict[Path, Deck], material_runs: set[tuple[str, ...]]) -> None:
    copied = {
        f"{deck.info.id}/{card.id}": hits
        for deck, card in all_cards(decks)
        if (hits := copied_runs(card_texts(card), material_runs))
    }
    assert copied == {}


@needs_shared
def test_the_copy_check_catches_a_copied_sentence(material_runs: set[tuple[str, ...]]) -> None:
    sentence = "Patients should be monitored for several hours after receiving Naloxone to make sure"
    assert copied_runs([sentence], material_runs)
    assert not copied_runs(["Keep watching the person for hours, because the overdose can come back."], material_runs)


def test_no_card_contains_dosing_language(decks: dict[Path, Deck]) -> None:
    flagged = {
        f"{deck.info.id}/{card.id}": match.group(0)
        for deck, card in all_cards(decks)
        for text in card_texts(card)
        if (match := DOSING.search(text))
    }
    assert flagged == {}


@pytest.mark.parametrize(
    "text",
    ["Take 10 mg at first", "a 0.5ml shot", "the usual dose", "Lower doses are safer", "how much to take", "a safe amount"],
)
def test_the_dosing_check_catches_dosing_language(text: str) -> None:
    assert DOSING.search(text)


@pytest.mark.parametrize("text", ["An overdose is a medical emergency.", "Call 911 right away.", "about 948,000 Americans"])
def test_the_dosing_check_leaves_ordinary_text_alone(text: str) -> None:
    assert not DOSING.search(text)


def test_no_phone_numbers_or_advertising_on_cards(decks: dict[Path, Deck]) -> None:
    phone = re.compile(r"\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}")
    ads = re.compile(r"betterhelp|bicycle health|1st step|recovery village|addiction group|toll-free|helpline", re.IGNORECASE)
    flagged = [
        f"{deck.info.id}/{card.id}: {text}"
        for deck, card in all_cards(decks)
        for text in card_texts(card)
        if phone.search(text) or ads.search(text)
    ]
    assert flagged == []


def test_choice_and_typein_answers_are_short(decks: dict[Path, Deck]) -> None:
    long_answers = [
        f"{deck.info.id}/{card.id}: {answer}"
        for deck, card in all_cards(decks)
        if card.type is CardType.TYPEIN
        for answer in card.body.answers
        if len(answer.split()) > 4
    ]
    assert long_answers == []


# -- card quality (issue 14) ------------------------------------------------------------------------

TRUE_SHARE = (0.4, 0.6)  # a deck's true/false statements: true between 40% and 60%, so guessing "true" does not pay


def true_share(cards: list[Card]) -> float | None:
    statements = [card.body.truth for card in cards if card.type is CardType.TRUEFALSE]
    return sum(statements) / len(statements) if statements else None


def test_true_false_statements_are_balanced_in_every_deck(decks: dict[Path, Deck]) -> None:
    low, high = TRUE_SHARE
    shares = {deck.info.id: true_share(list(deck.cards)) for deck in decks.values()}
    assert {d: s for d, s in shares.items() if s is not None and not low <= s <= high} == {}


def test_the_balance_check_counts_true_statements() -> None:
    def statement(truth: bool) -> Card:
        text = f"  - {{id: s{truth}, type: truefalse, statement: s, truth: {str(truth).lower()}}}\n"
        return parse_deck(f"format: 1\ndeck: {{id: demo, version: 1, title: Demo}}\ncards:\n{text}").cards[0]

    assert true_share([statement(True), statement(True), statement(True), statement(False)]) == 0.75
    assert true_share([statement(True), statement(False)]) == 0.5
    assert true_share([]) is None


def test_no_card_refers_to_the_material(decks: dict[Path, Deck]) -> None:
    # Learners never see the material: a card asks the fact itself and its citation names the source.
    mentions = re.compile(r"\bthe material\b|\bmaterial's\b", re.IGNORECASE)
    flagged = [
        f"{deck.info.id}/{card.id}: {text}" for deck, card in all_cards(decks) for text in card_texts(card) if mentions.search(text)
    ]
    assert flagged == []


def test_source_citations_read_cleanly(decks: dict[Path, Deck]) -> None:
    # A citation is shown under every answer: no bracketed placeholders such as "[publisher not named]".
    unclean = [
        f"{deck.info.id}/{source.id}: {text}"
        for deck in decks.values()
        for source in deck.sources
        for text in (source.title, source.publisher)
        if re.search(r"[\[\]]", text) or not text.strip()
    ]
    assert unclean == []


EMERGENCY_TAGS = {"response", "naloxone", "monitoring", "recognise"}


def test_overdose_emergency_response_cards_are_tagged_safety(decks: dict[Path, Deck]) -> None:
    # An update that changes a `safety` card asks the learner first, so every emergency-response card must carry it.
    overdose = next(deck for deck in decks.values() if deck.info.id == "overdose-response")
    untagged = [card.id for card in overdose.cards if EMERGENCY_TAGS & set(card.tags) and "safety" not in card.tags]
    assert untagged == []
    assert sum("safety" in card.tags for card in overdose.cards) >= 10


# A word a learner may rightly type instead of the card's own: (word in the shown answer, synonym).
SYNONYMS = [
    ("naloxone", "narcan"),
    ("breathing", "breath"),
    ("epinephrine", "adrenaline"),
    ("center", "centre"),
    ("behavioral", "behavioural"),
    ("two weeks", "2 weeks"),
]


def test_typed_answers_accept_common_synonyms(decks: dict[Path, Deck]) -> None:
    missing = [
        f"{deck.info.id}/{card.id}: accept '{synonym}'"
        for deck, card in all_cards(decks)
        if card.type is CardType.TYPEIN
        for word, synonym in SYNONYMS
        if word in card.body.answers[0].lower() and not any(synonym in answer.lower() for answer in card.body.answers)
    ]
    assert missing == []


def test_cloze_deletions_are_short_enough_to_type(decks: dict[Path, Deck]) -> None:
    # The quiz asks a learner to type a cloze deletion exactly, and a whole list in one blank is the
    # "set" Wozniak warns against: one short term per deletion (use a typein card for synonyms).
    long_deletions = [
        f"{deck.info.id}/{card.id}: {deletion.text}"
        for deck, card in all_cards(decks)
        if card.type is CardType.CLOZE
        for deletion in cloze.deletions(card.body.text)
        if len(deletion.text.split()) > 2
    ]
    assert long_deletions == []


# -- second review (issue 14) -----------------------------------------------------------------------

# How fast a route gets heroin to the brain reads as information about use: the decks teach the
# risk of a route (injecting and smoking raise the risk of opioid use disorder), never its speed.
ROUTE_SPEED = re.compile(
    r"\b(?:fastest|quickest|faster|quicker|most quickly|more quickly)\b[^.;:]*\bbrain\b"
    r"|\bbrain\b[^.;:]*\b(?:fastest|quickest|faster|quicker|most quickly|more quickly)\b",
    re.IGNORECASE,
)
# Learners never see the source pages, so a card cannot point at "the listed signs" or "both lists".
UNSEEN_LIST = re.compile(r"\blisted\b|\bboth lists\b|\bthe lists?\b|\bone list\b|\blisted among\b", re.IGNORECASE)
# Words that make a true/false statement sound absolute. If they only ever appear in false
# statements, a learner can answer by the wording alone.
ABSOLUTE = re.compile(r"\b(?:only|must|every|always|never|cannot|no need|pointless|unaffected)\b", re.IGNORECASE)
ABSOLUTE_FALSE_SHARE = 0.7  # at most this share of the statements with an absolute word may be false


def flagged_texts(decks: dict[Path, Deck], pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{deck.info.id}/{card.id}: {text}" for deck, card in all_cards(decks) for text in card_texts(card) if pattern.search(text)
    ]


def test_no_card_says_which_route_reaches_the_brain_fastest(decks: dict[Path, Deck]) -> None:
    assert flagged_texts(decks, ROUTE_SPEED) == []


def test_the_route_speed_check_catches_a_speed_claim() -> None:
    assert ROUTE_SPEED.search("Injecting and smoking are the routes that get heroin to the brain fastest.")
    assert ROUTE_SPEED.search("Smoking gets heroin to the brain more quickly than snorting.")
    assert not ROUTE_SPEED.search("Injecting and smoking raise the risk of opioid use disorder.")
    assert not ROUTE_SPEED.search("The brain quickly adapts to the drug.")


def test_no_card_points_at_a_list_the_learner_never_sees(decks: dict[Path, Deck]) -> None:
    assert flagged_texts(decks, UNSEEN_LIST) == []


def absolute_false_share(cards: list[Card]) -> float | None:
    worded = [card.body.truth for card in cards if card.type is CardType.TRUEFALSE and ABSOLUTE.search(card.body.statement)]
    return sum(not truth for truth in worded) / len(worded) if worded else None


def test_absolute_wording_does_not_give_away_false_statements(decks: dict[Path, Deck]) -> None:
    share = absolute_false_share([card for _, card in all_cards(decks)])
    assert share is None or share <= ABSOLUTE_FALSE_SHARE, f"{share:.0%} of the statements with 'only', 'never'… are false"


def test_the_absolute_check_counts_false_statements_with_absolute_words() -> None:
    def statement(text: str, truth: bool) -> Card:
        line = f"  - {{id: s{abs(hash(text))}, type: truefalse, statement: '{text}', truth: {str(truth).lower()}}}\n"
        return parse_deck(f"format: 1\ndeck: {{id: demo, version: 1, title: Demo}}\ncards:\n{line}").cards[0]

    cards = [statement("It only happens at night.", False), statement("It never stops.", False), statement("It always helps.", True)]
    assert absolute_false_share(cards) == 2 / 3
    assert absolute_false_share([statement("It happens at night.", False)]) is None


# A hedge ("can be a sign") must not tell true sign statements from false ones: in version 3 every
# hedged sign statement was true and the false ones were flat, so the wording alone gave the answer.
HEDGE = re.compile(r"\b(?:can|may|might|could)\b", re.IGNORECASE)


def sign_statement_truths_by_hedge(cards: list[Card]) -> dict[bool, set[bool]]:
    """For the true/false cards tagged `signs`: hedged or not -> the truth values found."""
    truths: dict[bool, set[bool]] = {True: set(), False: set()}
    for card in cards:
        if card.type is CardType.TRUEFALSE and "signs" in card.tags:
            truths[bool(HEDGE.search(card.body.statement))].add(card.body.truth)
    return truths


def test_hedged_wording_does_not_give_away_sign_statements(decks: dict[Path, Deck]) -> None:
    truths = sign_statement_truths_by_hedge([card for _, card in all_cards(decks)])
    assert truths == {True: {True, False}, False: {True, False}}, "hedged and flat sign statements must each be both true and false"


def test_the_hedge_check_catches_hedged_true_and_flat_false_statements() -> None:
    def statement(text: str, truth: bool) -> Card:
        line = f"  - {{id: s{abs(hash(text))}, type: truefalse, statement: '{text}', truth: {str(truth).lower()}, tags: [signs]}}\n"
        return parse_deck(f"format: 1\ndeck: {{id: demo, version: 1, title: Demo}}\ncards:\n{line}").cards[0]

    guessable = [statement("Low mood can be a sign.", True), statement("Euphoria is a sign.", False)]
    assert sign_statement_truths_by_hedge(guessable) == {True: {True}, False: {False}}
