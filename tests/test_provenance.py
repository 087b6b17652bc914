"""Who may update a deck: origins, the bundled decks, converted imports, safety cards, a
teacher's version of a bundled deck, and a data folder that moves (issue: decks you can trust)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_DECK, START

from quizapp.cli import NEEDS_YES, main
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.datadir import bundled_decks_dir, imported_decks_dir
from quizapp.core.days import FixedClock
from quizapp.core.deck import Deck
from quizapp.core.deckfile import dump_deck, load_deck, parse_deck
from quizapp.core.origin import (
    BUNDLED,
    UNSIGNED_FILE,
    USER,
    Origin,
    UpdateDecision,
    feed_origin,
    file_origin,
    key_fingerprint,
)
from quizapp.sharing.anki_export import export_apkg
from quizapp.sharing.bundle import write_bundle
from quizapp.sharing.feed import check_for_updates, parse_index, publish, subscribe
from quizapp.sharing.formats import ImportOptions, import_file
from quizapp.sharing.install import ConfirmReason, OriginRefusedError, install_versioned

HOSTILE = Path(__file__).parent / "hostile"
OVERDOSE = "overdose-response"
CALL_FIRST = (OVERDOSE, "od-call-first", 0)
TEACHER_KEY = "dGVhY2hlci1rZXktMzItYnl0ZXMtbG9uZy1lbm91Z2gh"  # base64url of 32 bytes, as signing writes keys
TEACHER = feed_origin("http://10.0.0.5:8765/index.json", signer=TEACHER_KEY)
OTHER_TEACHER = feed_origin("http://10.0.0.9:8765/index.json", signer="b3RoZXIta2V5LW9mLWEtcm9ndWUtaG9zdC0zMmJ5dGU")


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[Collection]:
    """A learner with the bundled decks, who has studied the overdose deck's first step."""
    collection = Collection.open(tmp_path / "data", clock=FixedClock(START))
    collection.sync_default_decks()
    collection.answer(CALL_FIRST, Rating.GOOD)
    yield collection
    collection.close()


def overdose_as_it_is(collection: Collection) -> tuple[Any, ...]:
    """Everything a learner has of the overdose deck: content, record, card rows and reviews."""
    return (
        collection.deck(OVERDOSE),
        collection.deck_record(OVERDOSE),
        collection.store.query("SELECT * FROM cards WHERE deck_id = ? ORDER BY card_id, sibling", (OVERDOSE,)),
        collection.store.query("SELECT * FROM revlog WHERE deck_id = ? ORDER BY id", (OVERDOSE,)),
    )


def bundled_overdose() -> Deck:
    return load_deck(bundled_decks_dir() / f"{OVERDOSE}.yaml")


BUNDLED_VERSION = load_deck(bundled_decks_dir() / f"{OVERDOSE}.yaml").info.version


def teachers_version(version: int = BUNDLED_VERSION + 1, back: str = "Call emergency services right away, then give naloxone if you have it.") -> Deck:
    deck = bundled_overdose()
    cards = tuple(replace(card, body=replace(card.body, back=back)) if card.id == "od-call-first" else card for card in deck.cards)  # type: ignore[call-arg]
    return replace(deck, info=replace(deck.info, version=version), cards=cards)


def install_deck(collection: Collection, deck: Deck, origin: Origin, **options: Any) -> Any:
    return install_versioned(collection, deck, dump_deck(deck).encode(), {}, origin, **options)


# -- origins --------------------------------------------------------------------------------------


def test_only_the_same_origin_may_update_and_an_unsigned_file_asks() -> None:
    signed = file_origin("a.quizdeck", signer=TEACHER_KEY)
    assert TEACHER.decide_update(signed) is UpdateDecision.ALLOW  # a key is followed, by feed or by file
    assert TEACHER.decide_update(OTHER_TEACHER) is UpdateDecision.REFUSE
    assert BUNDLED.decide_update(TEACHER) is UpdateDecision.REFUSE
    assert file_origin("a.csv").decide_update(file_origin("b.csv")) is UpdateDecision.CONFIRM
    assert USER.decide_update(UNSIGNED_FILE) is UpdateDecision.REFUSE
    unpinned = feed_origin(TEACHER.feed_url or "")
    assert unpinned.decide_update(TEACHER) is UpdateDecision.ALLOW and unpinned.after_update(TEACHER) == TEACHER
    assert TEACHER.after_update(OTHER_TEACHER) == TEACHER  # a pinned key never changes
    assert f"publisher key {key_fingerprint(TEACHER_KEY)}" in TEACHER.describe()


# -- the bundled decks --------------------------------------------------------------------------------


def test_the_forged_deck_is_refused_naming_both_origins_and_the_overdose_deck_stays_exactly_as_it_was(learner: Collection) -> None:
    before = overdose_as_it_is(learner)
    with pytest.raises(OriginRefusedError) as refused:
        import_file(learner, HOSTILE / "forged-overdose.quizdeck")
    assert str(refused.value) == (
        "deck 'overdose-response' (bundled with the app) cannot be replaced by an unsigned file (forged-overdose.quizdeck). "
        "To keep both, import it as a new deck (`quizapp import --as-new FILE`); yours stays as it is"
    )
    with pytest.raises(OriginRefusedError):  # asking for a yes does not help either
        import_file(learner, HOSTILE / "forged-overdose.quizdeck", ImportOptions(confirmed=True))
    assert overdose_as_it_is(learner) == before
    assert not (imported_decks_dir(learner.data_dir) / OVERDOSE).exists()
    learner.sync_default_decks()  # and the next start changes nothing either
    assert overdose_as_it_is(learner) == before


def test_as_new_keeps_both_and_leaves_the_original_untouched(learner: Collection) -> None:
    before = overdose_as_it_is(learner)
    [result] = import_file(learner, HOSTILE / "forged-overdose.quizdeck", ImportOptions(as_new=True)).results
    assert (result.deck_id, result.title, result.changed) == ("overdose-response-2", "Overdose response (2)", True)
    record = learner.deck_record("overdose-response-2")
    assert record is not None and record.origin == file_origin("forged-overdose.quizdeck")
    assert overdose_as_it_is(learner) == before
    report = learner.sync_default_decks()
    assert not report.problems and overdose_as_it_is(learner) == before


def test_a_feed_serving_a_bundled_id_without_declaring_an_adaptation_is_refused(learner: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "forged.yaml").write_bytes(_forged_yaml())
    site = tmp_path / "site"
    index = publish(folder, site)
    assert index.decks[0].adapts == OVERDOSE  # publishing under a bundled id declares it
    # A rogue feed drops the declaration: the deck is then an ordinary claim on a bundled id.
    (site / "index.json").write_bytes(replace(index, decks=(replace(index.decks[0], adapts=None),)).to_json())
    before = overdose_as_it_is(learner)
    subscribe(learner, site.as_uri() + "/")
    [update] = check_for_updates(learner, confirmed=True)
    assert update.results == [] and len(update.errors) == 1
    assert "deck 'overdose-response' (bundled with the app) cannot be replaced by the class feed at file://" in update.errors[0]
    # With the declaration, an unsigned feed still cannot offer a teacher's version: no key to name.
    (site / "index.json").write_bytes(index.to_json())
    [update] = check_for_updates(learner, confirmed=True)
    assert "not signed yet" in update.errors[0]
    assert overdose_as_it_is(learner) == before


def test_a_second_feed_cannot_replace_a_deck_the_first_feed_gave(collection: Collection, tmp_path: Path) -> None:
    sites = []
    for name, text in (("first", SMALL_DECK), ("second", SMALL_DECK.replace("version: 1", "version: 2").replace("Back one", "Sleep it off"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "small.yaml").write_text(text)
        publish(tmp_path / name, tmp_path / f"{name}-site")
        sites.append((tmp_path / f"{name}-site").as_uri() + "/")
        subscribe(collection, sites[-1])
    first, second = check_for_updates(collection)
    assert [r.message() for r in first.results] == ["small v1: added with 5 cards"]
    refusal = (
        f"deck 'small' (the class feed at {sites[0]}index.json (not signed yet)) cannot be replaced by the class feed at "
        f"{sites[1]}index.json (not signed yet). Yours stays as it is"
    )
    assert second.results == [] and second.errors == [refusal]
    assert collection.deck_info("small")[0].version == 1


def _forged_yaml() -> bytes:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", HOSTILE / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FORGED_OVERDOSE).encode()


def test_the_index_declares_adapts_only_when_it_adapts() -> None:
    entry = {"id": "small", "version": 1, "title": "S", "url": "small-v1.quizdeck", "size": 1, "sha256": "0" * 64}
    document = b'{"format": 1, "generated": "2025-03-01T09:00:00+00:00", "decks": [%s]}'
    plain = parse_index(document % str(entry).replace("'", '"').encode())
    assert plain.decks[0].adapts is None and "adapts" not in plain.decks[0].to_dict()
    declared = parse_index(document % str({**entry, "adapts": "small"}).replace("'", '"').encode())
    assert declared.decks[0].adapts == "small"


# -- converted imports ------------------------------------------------------------------------------


def test_a_csv_named_like_the_bundled_deck_gets_its_own_id_and_updates_only_that_deck(learner: Collection, tmp_path: Path) -> None:
    before = overdose_as_it_is(learner)
    table = tmp_path / "overdose-response.csv"
    table.write_text("id,front,back\nod-call-first,What first?,Let them sleep it off\n")
    [first] = import_file(learner, table).results
    assert (first.deck_id, first.title) == ("overdose-response-2", "overdose-response (2)")
    assert overdose_as_it_is(learner) == before
    [again] = import_file(learner, table).results
    assert again.deck_id == "overdose-response-2" and not again.changed  # the same content: nothing to do
    table.write_text("id,front,back\nod-call-first,What first?,Call for help\n")
    [asked] = import_file(learner, table).results  # the same file, changed: the learner decides
    assert asked.deck_id == "overdose-response-2" and asked.confirmation is not None and not asked.changed
    [applied] = import_file(learner, table, ImportOptions(confirmed=True)).results
    assert applied.update is not None and applied.update.changed == ("od-call-first",)
    other = tmp_path / "elsewhere" / "overdose-response.txt"  # another file naming the same id
    other.parent.mkdir()
    other.write_text("Term\tDefinition\n")
    [third] = import_file(learner, other).results
    assert third.deck_id == "overdose-response-3"
    assert overdose_as_it_is(learner) == before


def test_deck_files_found_at_start_never_take_a_bundled_deck_or_another_origins_id(learner: Collection, tmp_path: Path) -> None:
    before = overdose_as_it_is(learner)
    dropped = imported_decks_dir(learner.data_dir) / OVERDOSE / f"{OVERDOSE}.yaml"  # a copy put in the data folder
    dropped.parent.mkdir(parents=True)
    dropped.write_bytes(_forged_yaml())
    misplaced = imported_decks_dir(learner.data_dir) / "elsewhere" / "small.yaml"
    misplaced.parent.mkdir()
    misplaced.write_text(SMALL_DECK)
    own = tmp_path / "authoring" / "overdose.yaml"  # an author's own file under a bundled id
    own.parent.mkdir()
    own.write_bytes(_forged_yaml())
    report = learner.sync_files([*learner.default_deck_folders(), own])
    assert sorted(p.message for p in report.problems) == [
        "deck 'overdose-response' is bundled with the app, so this copy from outside is not used; delete it, or import it with --as-new to keep both",
        "deck 'overdose-response' is bundled with the app, so this copy from outside is not used; delete it, or import it with --as-new to keep both",
        "deck 'small' is not in its own folder (the app installs it in decks/small/), so it is not used",
    ]
    assert overdose_as_it_is(learner) == before and learner.deck_record("small") is None


def test_a_csv_given_a_bundled_id_explicitly_is_refused(learner: Collection, tmp_path: Path) -> None:
    table = tmp_path / "mine.csv"
    table.write_text("id,front,back\nq1,Upper,Stimulant\n")
    before = overdose_as_it_is(learner)
    with pytest.raises(OriginRefusedError, match=r"\(bundled with the app\) cannot be replaced by an unsigned file \(mine.csv\)"):
        import_file(learner, table, ImportOptions(deck_id=OVERDOSE))
    assert overdose_as_it_is(learner) == before


def test_an_anki_deck_titled_like_the_bundled_deck_gets_its_own_id(learner: Collection, tmp_path: Path) -> None:
    forged = parse_deck(_forged_yaml(), "forged.yaml")
    package = tmp_path / "shared.apkg"
    export_apkg([replace(forged, info=replace(forged.info, id="anything", version=1))], package)
    before = overdose_as_it_is(learner)
    [result] = import_file(learner, package, ImportOptions(with_scheduling=True)).results
    assert (result.deck_id, result.title) == ("overdose-response-2", "Overdose response (2)")
    assert overdose_as_it_is(learner) == before


# -- updates that ask first -------------------------------------------------------------------------


def _small_with(text: str, version: int) -> Deck:
    return parse_deck(text.replace("version: 1", f"version: {version}"), "small.yaml")


def test_an_update_from_the_right_origin_that_changes_a_safety_card_or_retires_most_asks_first(collection: Collection) -> None:
    tagged = SMALL_DECK.replace("back: Back one, source: m0, tags: [t1]", "back: Back one, source: m0, tags: [t1, safety]")
    assert install_deck(collection, _small_with(tagged, 1), TEACHER).changed
    ordinary = install_deck(collection, _small_with(tagged.replace("Back two", "Back two reworded"), 2), TEACHER)
    assert ordinary.changed and ordinary.confirmation is None

    safety = _small_with(tagged.replace("Back one", "Back one reworded"), 3)
    asked = install_deck(collection, safety, TEACHER)
    assert asked.confirmation is not None and asked.confirmation.reasons == (ConfirmReason.CHANGES_SAFETY,)
    assert asked.confirmation.safety_cards == ("b1",) and collection.deck_info("small")[0].version == 2
    assert install_deck(collection, safety, TEACHER, confirmed=True).changed

    deck = collection.deck("small")
    most_gone = replace(deck, info=replace(deck.info, version=4), cards=deck.cards[:1], retired=tuple(c.id for c in deck.cards[1:]))
    asked = install_deck(collection, most_gone, TEACHER)
    assert asked.confirmation is not None and ConfirmReason.RETIRES_MOST in asked.confirmation.reasons
    assert "retired: " in asked.confirmation.summary() and len(collection.deck("small").cards) == len(deck.cards)


# -- a teacher's version of a bundled deck --------------------------------------------------------


def test_a_teachers_version_is_asked_once_replaces_the_bundled_deck_with_progress_and_going_back_is_one_call(learner: Collection) -> None:
    before = overdose_as_it_is(learner)
    progress = learner.card_state(CALL_FIRST)
    asked = install_deck(learner, teachers_version(), TEACHER, adapts=OVERDOSE)
    assert asked.confirmation is not None and asked.confirmation.reasons == (ConfirmReason.ADAPTS_BUNDLED,)
    question = asked.confirmation.question
    assert question.startswith("Use your teacher's version of Overdose response?") and key_fingerprint(TEACHER_KEY) in question
    assert asked.confirmation.changes.changed == ("od-call-first",) and asked.confirmation.teacher_key == TEACHER_KEY
    assert overdose_as_it_is(learner) == before

    used = install_deck(learner, teachers_version(), TEACHER, adapts=OVERDOSE, confirmed=True)
    assert used.changed and learner.deck_info(OVERDOSE)[0].version == BUNDLED_VERSION + 1
    record = learner.deck_record(OVERDOSE)
    assert record is not None and record.origin == TEACHER and record.adapts == OVERDOSE
    assert learner.card_state(CALL_FIRST) == progress  # progress carries by card id
    report = learner.sync_default_decks()  # the app's own file is set aside, without a warning
    assert not report.problems and learner.deck_info(OVERDOSE)[0].version == BUNDLED_VERSION + 1

    # The teacher's next version is an ordinary update from that feed (it changes a safety card: asked).
    third = install_deck(learner, teachers_version(BUNDLED_VERSION + 2, "Call emergency services now."), TEACHER, adapts=OVERDOSE)
    assert third.confirmation is not None and third.confirmation.reasons == (ConfirmReason.CHANGES_SAFETY,)
    with pytest.raises(OriginRefusedError):  # and another key cannot take it over
        install_deck(learner, teachers_version(BUNDLED_VERSION + 3), OTHER_TEACHER, adapts=OVERDOSE, confirmed=True)

    back = learner.use_bundled(OVERDOSE)
    assert back.version == BUNDLED_VERSION and overdose_as_it_is(learner)[0] == before[0]
    record = learner.deck_record(OVERDOSE)
    assert record is not None and record.origin == BUNDLED and record.adapts is None
    assert learner.card_state(CALL_FIRST) == progress
    assert not learner.sync_default_decks().problems
    again = install_deck(learner, teachers_version(BUNDLED_VERSION + 4), TEACHER, adapts=OVERDOSE)
    assert again.confirmation is None and not again.changed and "you chose the app's version" in again.message()


def test_a_teachers_version_needs_a_signed_feed_and_the_bundled_decks_own_id(learner: Collection) -> None:
    before = overdose_as_it_is(learner)
    with pytest.raises(OriginRefusedError, match="not signed yet"):
        install_deck(learner, teachers_version(), feed_origin("http://10.0.0.5:8765/index.json"), adapts=OVERDOSE, confirmed=True)
    with pytest.raises(OriginRefusedError):
        install_deck(learner, teachers_version(), file_origin("x.quizdeck", signer=TEACHER_KEY), confirmed=True)
    renamed = replace(teachers_version(), info=replace(teachers_version().info, id="my-overdose"))
    with pytest.raises(Exception, match="adapts 'overdose-response', which is not that deck"):
        install_deck(learner, renamed, TEACHER, adapts=OVERDOSE, confirmed=True)
    assert overdose_as_it_is(learner) == before


# -- a data folder that moves -------------------------------------------------------------------------


def test_a_copied_data_folder_opens_without_a_warning_for_any_deck(learner: Collection, tmp_path: Path) -> None:
    bundle = tmp_path / "small.quizdeck"
    write_bundle(parse_deck(SMALL_DECK, "small.yaml"), SMALL_DECK.encode(), {}, bundle)
    import_file(learner, bundle)
    learner.store.copy_to(tmp_path / "copy.sqlite3")  # a consistent copy while the original stays open
    copy = tmp_path / "moved"
    shutil.copytree(learner.data_dir, copy, ignore=shutil.ignore_patterns("progress.sqlite3*"))
    shutil.copy(tmp_path / "copy.sqlite3", copy / "progress.sqlite3")
    with Collection.open(copy) as moved:
        report = moved.sync_default_decks()
        assert report.problems == [] and report.updates == []
        assert sorted(report.unchanged) == sorted(learner.deck_ids())
        assert moved.deck_source_path("small") == (copy / "decks" / "small" / "small.yaml").resolve()


# -- the command --------------------------------------------------------------------------------------


def test_the_command_refuses_keeps_both_asks_for_yes_and_goes_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / "data"), *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    forged = HOSTILE / "forged-overdose.quizdeck"
    code, _, err = run("import", forged)
    assert code == 1 and "cannot be replaced by an unsigned file (forged-overdose.quizdeck)" in err and "--as-new" in err
    assert run("import", "--as-new", forged)[:2] == (0, "overdose-response-2 v99: added with 1 cards\n")
    table = tmp_path / "overdose-response.csv"
    table.write_text("id,front,back\nq1,What first?,Call for help\n")
    assert run("import", table)[:2] == (0, "overdose-response-3 v1: added with 1 cards\n")
    table.write_text("id,front,back\nq1,What first?,Call for help at once\n")
    code, out, err = run("import", table)
    assert code == NEEDS_YES and out.startswith("Replace your deck 'overdose-response (3)'") and "changed: q1" in out and "--yes" in err
    assert run("import", table, "--yes")[0] == 0
    code, _, err = run("use-bundled", OVERDOSE)
    assert code == 1 and "is not a teacher's version of a deck bundled with the app" in err
