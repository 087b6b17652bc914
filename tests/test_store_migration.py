"""Schema 3: a real schema-2 database upgrades with every review, id and setting kept, and each
deck given its origin (docs/schema.md); deck paths then move with the data folder."""

from __future__ import annotations

import json
from pathlib import Path

from quizapp.core.collection import Collection
from quizapp.core.datadir import bundled_decks_dir, imported_decks_dir
from quizapp.core.deckfile import load_deck
from quizapp.core.decksync import bundled_deck_ids
from quizapp.core.origin import BUNDLED, USER, Origin, OriginKind
from quizapp.core.store import (
    DB_NAME,
    MIGRATIONS,
    REVLOG_AFTER_COLUMNS,
    REVLOG_BEFORE_COLUMNS,
    Store,
)

FEED = "http://10.0.0.5:8765/index.json"
STATE = ("review", 0, 3.2, 5.1, None, 20510, 1741000000000, 3, 2, 0)


def _schema_2_folder(data_dir: Path, *, feeds: list[str]) -> Path:
    """A data folder as the released app leaves it: decks of every kind, reviews with an id an
    undo freed, options and settings, written in schema 2's shape."""
    data_dir.mkdir(parents=True, exist_ok=True)
    imported = imported_decks_dir(data_dir)
    (imported / "small").mkdir(parents=True)
    (imported / "small" / "small.yaml").write_text("deck file bytes are not read by the upgrade")
    decks = {
        "overdose-response": str(bundled_decks_dir().resolve() / "overdose-response.yaml"),
        "small": str((imported / "small" / "small.yaml").resolve()),
        "mine": "/home/someone/decks/mine.yaml",
        # Imported while the data folder was somewhere else (a copied folder, not yet upgraded).
        "moved": "/old/place/data/decks/moved/moved.yaml",
        # A copy that took a bundled deck's id before decks recorded their origin.
        "how-opioids-act": str((imported / "how-opioids-act" / "how-opioids-act.yaml").resolve()),
    }
    store = Store(data_dir / DB_NAME, migrations=MIGRATIONS[:2])
    with store.transaction() as db:
        for number, (deck_id, path) in enumerate(decks.items()):
            db.execute(
                "INSERT INTO decks (deck_id, version, title, info, source_path, content_hash, options, present, added_at, updated_at)"
                " VALUES (?, 2, ?, '{}', ?, ?, ?, 1, 1000, 2000)",
                (deck_id, deck_id.title(), path, f"hash-{number}", json.dumps({"new_per_day": 5}) if deck_id == "small" else None),
            )
            db.execute("INSERT INTO deck_files (path, sha256, deck_id) VALUES (?, ?, ?)", (path, f"hash-{number}", deck_id))
        for review_id in (1, 2, 3, 5):  # 4 was taken back by an undo
            db.execute(
                f"INSERT INTO revlog (id, deck_id, card_id, sibling, reviewed_at, day, rating, kind, duration_ms, {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS})"
                f" VALUES (?, 'small', 'b1', 0, ?, 20500, 3, 'study', 4200, {', '.join('?' * 20)})",
                (review_id, 1741000000000 + review_id, *STATE, *STATE),
            )
        db.execute("UPDATE sqlite_sequence SET seq = 7 WHERE name = 'revlog'")  # 6 and 7: undone too
        db.execute("INSERT INTO settings (key, value) VALUES ('app', ?)", (json.dumps({"theme": "dark", "new_per_day": 12}),))
        db.execute("INSERT INTO settings (key, value) VALUES ('sharing.feeds', ?)", (json.dumps([{"url": url} for url in feeds]),))
    store.close()
    return data_dir


def _origins(store: Store) -> dict[str, tuple[Origin, str | None]]:
    rows = store.query("SELECT deck_id, origin_kind, origin_key, origin_url, origin_file, source_path FROM decks")
    return {row[0]: (Origin.from_row(*row[1:5]), row[5]) for row in rows}


def test_an_upgrade_keeps_every_review_id_the_sequence_decks_and_settings(tmp_path: Path) -> None:
    data_dir = _schema_2_folder(tmp_path / "data", feeds=[FEED])
    before = Store(data_dir / DB_NAME, migrations=MIGRATIONS[:2])
    reviews = before.query("SELECT * FROM revlog ORDER BY id")
    decks = before.query("SELECT deck_id, version, title, info, content_hash, options, present, added_at, updated_at FROM decks ORDER BY deck_id")
    settings = before.query("SELECT * FROM settings ORDER BY key")
    before.close()

    store = Store(data_dir / DB_NAME)
    assert store.schema_version == len(MIGRATIONS) == 3
    assert store.query("SELECT * FROM revlog ORDER BY id") == reviews
    assert [row[0] for row in reviews] == [1, 2, 3, 5]
    assert store.query("SELECT deck_id, version, title, info, content_hash, options, present, added_at, updated_at FROM decks ORDER BY deck_id") == decks
    assert store.query("SELECT * FROM settings ORDER BY key") == settings
    with store.transaction() as db:  # an id an undo freed is never given again
        new_id = db.execute(
            f"INSERT INTO revlog (deck_id, card_id, sibling, reviewed_at, day, rating, kind, {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS})"
            f" VALUES ('small', 'b1', 0, 0, 0, 3, 'study', {', '.join('?' * 20)})",
            STATE * 2,
        ).lastrowid
    assert new_id == 8
    store.close()


def test_an_upgrade_gives_each_deck_its_origin_and_paths_inside_the_data_folder_become_relative(tmp_path: Path) -> None:
    data_dir = _schema_2_folder(tmp_path / "data", feeds=[FEED])
    store = Store(data_dir / DB_NAME)
    origins = _origins(store)
    assert origins["overdose-response"] == (BUNDLED, str(bundled_decks_dir().resolve() / "overdose-response.yaml"))
    assert origins["small"] == (Origin(OriginKind.FEED, feed_url=FEED), "decks/small/small.yaml")  # no key yet: pinned by the first signed update
    assert origins["mine"] == (USER, "/home/someone/decks/mine.yaml")
    assert origins["moved"] == (Origin(OriginKind.FEED, feed_url=FEED), "decks/moved/moved.yaml")
    # The copy under a bundled id gives way: the app's own file applies again at the next start.
    assert origins["how-opioids-act"] == (BUNDLED, None)
    assert store.query("SELECT path, deck_id FROM deck_files ORDER BY deck_id") == [
        ("/home/someone/decks/mine.yaml", "mine"),
        ("decks/moved/moved.yaml", "moved"),
        (str(bundled_decks_dir().resolve() / "overdose-response.yaml"), "overdose-response"),
        ("decks/small/small.yaml", "small"),
    ]
    store.close()


def test_without_class_feeds_imported_decks_are_unsigned_files_and_with_several_the_feed_is_learnt(tmp_path: Path) -> None:
    none = Store(_schema_2_folder(tmp_path / "none", feeds=[]) / DB_NAME)
    assert _origins(none)["small"][0] == Origin(OriginKind.UNSIGNED_FILE)
    none.close()
    several = Store(_schema_2_folder(tmp_path / "several", feeds=[FEED, "http://other/index.json"]) / DB_NAME)
    origin = _origins(several)["small"][0]
    several.close()
    assert origin == Origin(OriginKind.FEED)
    learnt = origin.after_update(Origin(OriginKind.FEED, key="a2V5", feed_url=FEED))
    assert learnt == Origin(OriginKind.FEED, key="a2V5", feed_url=FEED)


def test_the_copy_under_a_bundled_id_gives_way_to_the_apps_deck_with_progress_kept(tmp_path: Path) -> None:
    data_dir = _schema_2_folder(tmp_path / "data", feeds=[])
    with Collection.open(data_dir) as collection:
        report = collection.sync_files([bundled_decks_dir()])
        record = collection.deck_record("how-opioids-act")
        bundled_version = load_deck(bundled_decks_dir() / "how-opioids-act.yaml").info.version
        assert record is not None and record.origin == BUNDLED and record.version == bundled_version
        assert "how-opioids-act" in {update.deck_id for update in report.updates}
        assert collection.deck_source_path("how-opioids-act") == bundled_decks_dir().resolve() / "how-opioids-act.yaml"


def test_every_bundled_deck_file_is_named_by_its_deck_id() -> None:
    for path in bundled_decks_dir().glob("*.yaml"):
        assert f"\n  id: {path.stem}\n" in path.read_text(encoding="utf-8")
    assert "overdose-response" in bundled_deck_ids()
