"""`quizapp`: the command for deck authors and teachers (and learners at a terminal).

Every command calls the same core API as the app; nothing here is needed by the UI.
"""

from __future__ import annotations

import argparse
import getpass
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from quizapp import __version__
from quizapp.core import backup
from quizapp.core.collection import Collection
from quizapp.core.controls import escape_controls
from quizapp.core.datadir import ENV_VAR, bundled_decks_dir, default_data_dir
from quizapp.core.days import SystemClock
from quizapp.core.deckfile import load_deck
from quizapp.core.errors import DamagedStoreError, DeckFileError, QuizappError
from quizapp.core.stats import Stats
from quizapp.sharing.feed import (
    add_app_package,
    check_for_updates,
    publish,
    published_deck,
    subscribe,
    subscriptions,
    unsubscribe,
)
from quizapp.sharing.formats import (
    EXPORT_SUFFIXES,
    IMPORT_SUFFIXES,
    ImportOptions,
    export_deck,
    import_file,
)
from quizapp.sharing.install import ImportResult
from quizapp.sharing.links import SubscribeLink, is_subscribe_link, parse_subscribe_link
from quizapp.sharing.reports import (
    ReportBox,
    build_report,
    build_withdrawal,
    format_table,
    hardest_cards,
    load_reports,
    remember_served_dir,
    remembered_served_dir,
    reported_decks,
    reports_dir_for,
    send_report,
    withdraw_report,
)
from quizapp.sharing.server import DEFAULT_PORT, ShareServer, lan_address, qr_text
from quizapp.sharing.signing import (
    address_key,
    create_key,
    describe_key,
    export_key,
    import_key,
    key_path,
    keyed_address,
    load_key,
    load_or_create_key,
)

SEPARATOR_NAMES = {"tab": "\t", "newline": "\n", "comma": ",", "semicolon": ";"}
NEEDS_YES = 3  # exit status: something waits for the learner's --yes; nothing changed

Command = Callable[[argparse.Namespace], int]


def _open_progress(args: argparse.Namespace) -> Collection:
    """The collection, with a warning when its database lacks answers already acknowledged."""
    collection = Collection.open(args.data_dir)
    if collection.open_warning:
        print(f"warning: {collection.open_warning}", file=sys.stderr)
    return collection


def _open(args: argparse.Namespace) -> Collection:
    """The collection with the bundled and imported decks registered."""
    collection = _open_progress(args)
    report = collection.sync_default_decks()
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return collection


def _deck_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths or [str(bundled_decks_dir())]:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def cmd_validate(args: argparse.Namespace) -> int:
    files = _deck_files(args.paths)
    if not files:
        print("no deck files found", file=sys.stderr)
        return 1
    failed = 0
    for file in files:
        try:
            deck = load_deck(file)
        except DeckFileError as error:
            failed += 1
            for problem in error.problems:
                print(problem)
            continue
        kinds = Counter(card.type.value for card in deck.cards)
        studied = sum(len(card.siblings()) for card in deck.cards)
        mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        print(f"{file}: ok: '{deck.id}' v{deck.info.version}, {len(deck.cards)} cards ({studied} to study): {mix}")
    if failed:
        print(f"{failed} of {len(files)} deck files have problems", file=sys.stderr)
    return 1 if failed else 0


def cmd_decks(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        summaries = collection.decks()
        if not summaries:
            print("no decks")
            return 0
        width = max(len("all decks"), *(len(s.deck_id) for s in summaries))
        print(f"{'deck':<{width}}  {'new':>5} {'learn':>5} {'due':>5}  {'cards':>5}  title")
        for s in summaries:
            c = s.counts
            print(f"{s.deck_id:<{width}}  {c.new:>5} {c.learning:>5} {c.review:>5}  {s.card_count:>5}  {s.title}")
        # Every deck together, within the all-decks limit on new cards (Settings).
        total = collection.all_decks_counts(s.counts for s in summaries)
        print(f"{'all decks':<{width}}  {total.new:>5} {total.learning:>5} {total.review:>5}  {sum(s.card_count for s in summaries):>5}")
        if total.total == 0:
            upcoming = collection.next_due()
            when = upcoming.astimezone().strftime("%Y-%m-%d %H:%M") if upcoming else "not scheduled yet"
            print(f"nothing due now; next card due: {when}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        deck_ids = [args.deck] if args.deck else None
        if args.deck:
            collection.deck_info(args.deck)  # a clear error for an unknown deck
        summary = Stats(collection, deck_ids).summary()
        retention = f"{summary.true_retention_30d:.1%}" if summary.true_retention_30d is not None else "no reviews yet"
        print(f"reviews today: {summary.reviews_today}")
        print(f"true retention, last 30 days: {retention}")
        print(f"cards due tomorrow: {summary.due_tomorrow}")
    return 0


# -- sharing ----------------------------------------------------------------------------------------


def _separator(text: str) -> str:
    """A separator as typed in a shell: a name (tab, newline, comma, semicolon), `\\t`/`\\n`, or itself."""
    return SEPARATOR_NAMES.get(text, text).replace("\\t", "\t").replace("\\n", "\n")


def cmd_import(args: argparse.Namespace) -> int:
    options = ImportOptions(
        with_scheduling=args.with_scheduling,
        deck_id=args.deck_id,
        title=args.title,
        term_sep=_separator(args.term_sep),
        card_sep=_separator(args.card_sep),
        confirmed=args.yes,
        as_new=args.as_new,
    )
    with _open(args) as collection:
        outcome = import_file(collection, args.file, options)
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    waiting = False
    for result in outcome.results:
        waiting |= _print_result(result, "")
        for note in result.notes:
            print(f"  {note}")
    return NEEDS_YES if waiting else 0


def _print_result(result: ImportResult, indent: str) -> bool:
    """Print what an install did or asks; whether it waits for --yes."""
    if result.confirmation is not None:
        print(indent + result.confirmation.summary().replace("\n", "\n" + indent))
        print(f"{indent}nothing changed: run the command again with --yes to apply this", file=sys.stderr)
        return True
    print(indent + result.message())
    update = result.update
    if update is not None and not update.is_new_deck:
        for label, ids in (("new", update.added), ("changed", update.changed), ("retired", update.retired), ("restored", update.restored)):
            if ids:
                print(f"{indent}  {label}: {', '.join(ids)}")
    return False


def cmd_use_bundled(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        update = collection.use_bundled(args.deck)
    print(f"{update.summary()}: the app's own version again; your progress is kept card by card")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        target = export_deck(collection, args.deck, args.to, term_sep=_separator(args.term_sep), card_sep=_separator(args.card_sep))
    print(f"wrote {target}")
    return 0


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir is not None else default_data_dir()


def _made_key_note(data_dir: Path) -> str:
    return f"made your publisher key, kept in {key_path(data_dir)} (readable by you only); back it up with `quizapp key export FILE`"


def cmd_keygen(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    key = create_key(data_dir)
    print(_made_key_note(data_dir))
    print(f"publisher key {describe_key(key.public_key)}")
    return 0


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    """From --passphrase-file (its first line), else asked without echo (twice when choosing one)."""
    if args.passphrase_file is not None:
        try:
            lines = args.passphrase_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise QuizappError(f"cannot read the passphrase from {args.passphrase_file}: {error}") from None
        return lines[0] if lines else ""
    passphrase = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("The same passphrase again: ") != passphrase:
        raise QuizappError("the two passphrases differ; nothing was written")
    return passphrase


def cmd_key(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    if args.action == "import":
        imported, changed = import_key(data_dir, args.file, _passphrase(args, confirm=False))
        print(f"{'imported' if changed else 'this data folder already has'} publisher key {describe_key(imported.public_key)}")
        return 0
    key = load_key(data_dir)
    if key is None:
        raise QuizappError("this data folder has no publisher key yet; `quizapp keygen` or `quizapp publish` makes one")
    if args.action == "export":
        target = export_key(key, args.file, _passphrase(args, confirm=True))
        print(f"wrote {target}: publisher key {describe_key(key.public_key)}, protected by your passphrase")
        print("on the new computer: `quizapp key import FILE`; keep the file and the passphrase apart")
    else:
        print(f"publisher key {describe_key(key.public_key)}")
        print(f"full key (feed addresses end in #key=…): {key.public_key}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    key, made = load_or_create_key(data_dir)
    if made:
        print(_made_key_note(data_dir))
    index = publish(args.decks_dir, args.out_dir, signer=key)
    for entry in index.decks:
        print(f"{entry.url}: '{entry.deck_id}' v{entry.version}, {entry.size:,} bytes")
    print(f"wrote {Path(args.out_dir) / 'index.json'} with {len(index.decks)} decks, signed by publisher key {describe_key(key.public_key)}")
    print(f"learners subscribe to the address you upload it to, followed by {keyed_address('', key.public_key)}")
    return 0


def cmd_subscribe(args: argparse.Namespace) -> int:
    # A quizapp://subscribe link (the class page's "Open in quizapp") names the same feed and key.
    address = parse_subscribe_link(args.url).address if is_subscribe_link(args.url) else args.url
    return _subscribe(args, address)


def cmd_open_link(args: argparse.Namespace) -> int:
    """What opening a quizapp:// link does: say who publishes the feed, and ask before following it."""
    link = parse_subscribe_link(args.link)
    print(_link_question(link))
    if not args.yes:
        try:
            answer = input("Subscribe? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("not subscribed")
            return 1
    return _subscribe(args, link.address)


def _link_question(link: SubscribeLink) -> str:
    lines = [f"A page asks quizapp to follow the class feed at {link.feed_url}"]
    if link.words is None:
        lines.append("The link carries no publisher key: quizapp will pin the key the feed is signed with now, and show its words.")
    else:
        lines.append(f"Publisher key words: {link.words}")
        lines.append("Subscribe only if your teacher's screen shows the same six words.")
    return "\n".join(lines)


def _subscribe(args: argparse.Namespace, address: str) -> int:
    with _open(args) as collection:
        subscription, index = subscribe(collection, address, timeout=args.timeout)
    print(f"subscribed to {subscription.url} ({len(index.decks)} decks); run `quizapp update` to get them")
    if subscription.key is None:
        print("warning: this feed is not signed, so nothing shows who made its decks; ask your teacher to publish it again with a current quizapp", file=sys.stderr)
    elif address_key(address) is None:
        print(f"the address carried no key: this feed is now pinned to the key it is signed with, {describe_key(subscription.key)}")
        print("check these words with your teacher's screen; if they differ, unsubscribe")
    else:
        print(f"pinned to publisher key {describe_key(subscription.key)}; your teacher's screen shows the same words")
    return 0


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        removed = unsubscribe(collection, args.url)
    print("unsubscribed; decks already imported stay" if removed else f"not subscribed to {args.url}")
    return 0 if removed else 1


def cmd_update(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        if not subscriptions(collection):
            print("no class feeds yet; add one with `quizapp subscribe URL`")
            return 0
        updates = check_for_updates(collection, timeout=args.timeout, confirmed=args.yes)
    failed = waiting = False
    for update in updates:
        print(f"{update.feed_url}:")
        for note in update.notes:
            print(f"  note: {note}")
        for result in update.results:
            waiting |= _print_result(result, "  ")
        if update.up_to_date:
            print(f"  up to date: {', '.join(update.up_to_date)}")
        for error in update.errors:
            failed = True
            print(f"  error: {error}", file=sys.stderr)
    return 1 if failed else NEEDS_YES if waiting else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    server = ShareServer(args.dir, host=args.host, port=args.port, log=lambda line: print(line, flush=True))
    with _open_progress(args) as collection:
        remember_served_dir(collection, server.root)
    if args.app is not None:
        package = add_app_package(server.root, args.app, version=args.app_version, signer=load_key(_data_dir(args)))
        print(f"Offering quizapp {package.version} for Android ({package.size:,} bytes, SHA-256 {package.sha256}) on the class page")
    url = server.start()
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly when a service manager or `kill` asks, as on Ctrl+C
    try:
        index = server.index()
        print(f"Sharing {len(index.decks)} decks from {server.root}")
        print(f"Students: in quizapp choose \"Add a class feed\" and enter {url}")
        if index.signer:
            print(f"Publisher key words, for students to compare aloud: {describe_key(index.signer)}")
        else:
            print("warning: this folder is not signed; publish it again with `quizapp publish` so students can check it is yours", file=sys.stderr)
        if args.host in ("", "0.0.0.0") and lan_address() is None:
            print("(no network found: only this computer can reach that address)")
        print(qr_text(url), end="")
        print(f"Class reports are saved in {server.reports_dir}")
        print("Press Ctrl+C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("stopped")
    return 0


def cmd_class_report(args: argparse.Namespace) -> int:
    served = args.served
    if served is None:
        with _open_progress(args) as collection:
            served = remembered_served_dir(collection)
        if served is None:
            raise QuizappError("which class? give --served DIR (the folder `quizapp serve` or the app shares)")
    reports_dir = reports_dir_for(served)
    if args.delete or args.release:
        return _manage_reports(ReportBox(reports_dir), args)
    deck_ids = [args.deck] if args.deck else reported_decks(reports_dir)
    if not deck_ids:
        print(f"no class reports yet in {reports_dir}")
        return 0
    if args.png and len(deck_ids) > 1:
        raise QuizappError(f"several decks have reports ({', '.join(deck_ids)}); name one DECK_ID for --png")
    for deck_id in deck_ids:
        reports = load_reports(reports_dir, deck_id)
        deck = published_deck(served, deck_id)
        rows = hardest_cards(reports, deck)
        title = deck.info.title if deck else deck_id
        print(f"{title} ({deck_id}): {len(reports)} learners, hardest cards first")
        print(format_table(rows) if rows else "no reports for this deck")
        if args.png:
            # Imported here: Pillow is needed only for the picture, never by the learner's side.
            from quizapp.sharing.report_chart import draw_chart

            print(f"wrote {draw_chart(rows, args.png, title=f'{title}: {len(reports)} learners, hardest cards first')}")
    return 0


def _manage_reports(box: ReportBox, args: argparse.Namespace) -> int:
    """The teacher's `--delete NAME` and `--release NAME`; 1 when there was nothing to do."""
    done = True
    if args.delete:
        deleted = box.delete(args.delete, args.deck)
        if deleted:
            print(f"deleted the report from '{args.delete}' for {', '.join(deleted)}")
        else:
            print(f"no report from '{args.delete}'" + (f" for {args.deck}" if args.deck else ""))
        done = bool(deleted)
    if args.release:
        if box.release(args.release):
            print(f"released the name '{args.release}': the next learner to send a report under it keeps it")
        else:
            print(f"no learner holds the name '{args.release}'")
            done = False
    return 0 if done else 1


def cmd_send_report(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        if args.withdraw:
            withdrawal = build_withdrawal(collection, args.deck, args.name)
        else:
            report = build_report(collection, args.deck, args.name)
    print(withdraw_report(args.to, withdrawal, timeout=args.timeout) if args.withdraw else send_report(args.to, report, timeout=args.timeout))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    with _open_progress(args) as collection:
        made = collection.backup_now()
    print(f"backup written: {made} (the newest {backup.KEEP} are kept)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or default_data_dir()
    if args.list:
        for path in backup.list_backups(data_dir):
            print(path)
        return 0
    recovery = backup.restore(data_dir, args.file, SystemClock().now())
    print(f"restored from {recovery.restored_from}")
    if recovery.kept_aside:
        print(f"the database it replaced is kept as {recovery.kept_aside}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizapp", description="Flashcards and quizzes for drug education and harm reduction.")
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where progress is kept (default: ${ENV_VAR}, else the app's user data folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check deck files and report every problem")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="deck files or folders (default: the bundled decks/)")
    validate.set_defaults(run=cmd_validate)

    decks = commands.add_parser("decks", help="list decks with today's new / learning / due counts")
    decks.set_defaults(run=cmd_decks)

    stats = commands.add_parser("stats", help="reviews today, true retention and cards due tomorrow")
    stats.add_argument("--deck", help="one deck id (default: all decks)")
    stats.set_defaults(run=cmd_stats)

    import_ = commands.add_parser("import", help=f"import a deck file ({', '.join(IMPORT_SUFFIXES)}); a newer version updates by card id")
    import_.add_argument("file", type=Path, metavar="FILE")
    import_.add_argument("--with-scheduling", action="store_true", help=".apkg: turn Anki's review history into FSRS progress")
    import_.add_argument("--deck-id", help=".txt/.tsv/.csv: id of the new deck (default: from the file name)")
    import_.add_argument("--title", help=".txt/.tsv/.csv: title of the new deck (default: the file name)")
    import_.add_argument("--as-new", action="store_true", help="keep both: install under a new id when a deck from elsewhere has this one's id")
    _add_yes(import_)
    _add_separators(import_)
    import_.set_defaults(run=cmd_import)

    export = commands.add_parser("export", help=f"write a deck as {', '.join(EXPORT_SUFFIXES)} (chosen by the file name)")
    export.add_argument("deck", metavar="DECK_ID")
    export.add_argument("--to", type=Path, required=True, metavar="FILE")
    _add_separators(export)
    export.set_defaults(run=cmd_export)

    publish_ = commands.add_parser("publish", help="bundle a folder of deck files with an index.json, for any web host")
    publish_.add_argument("decks_dir", type=Path, metavar="DECKS_DIR")
    publish_.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    publish_.set_defaults(run=cmd_publish)

    keygen = commands.add_parser("keygen", help="make your publisher key (publish makes one too), which signs what you publish")
    keygen.set_defaults(run=cmd_keygen)

    key = commands.add_parser("key", help="show your publisher key, or move it to another computer")
    key_actions = key.add_subparsers(dest="action", required=True, metavar="ACTION")
    key_actions.add_parser("show", help="the key's fingerprint and words").set_defaults(run=cmd_key)
    for action, text in (("export", "write the key to FILE, protected by a passphrase"), ("import", "make the key in FILE (from `key export`) this computer's")):
        move = key_actions.add_parser(action, help=text)
        move.add_argument("file", type=Path, metavar="FILE")
        move.add_argument("--passphrase-file", type=Path, metavar="PATH", help="read the passphrase from the first line of PATH (for scripts)")
        move.set_defaults(run=cmd_key)

    subscribe_ = commands.add_parser("subscribe", help="follow a class feed (its URL, the address `quizapp serve` shows, or a quizapp:// link)")
    subscribe_.add_argument("url", metavar="URL")
    _add_timeout(subscribe_)
    subscribe_.set_defaults(run=cmd_subscribe)

    open_link = commands.add_parser("open-link", help="open a quizapp://subscribe link: show who publishes the feed, then ask before following it")
    open_link.add_argument("link", metavar="LINK")
    open_link.add_argument("--yes", action="store_true", help="do not ask (you checked the publisher's words already)")
    _add_timeout(open_link)
    open_link.set_defaults(run=cmd_open_link)

    unsubscribe_ = commands.add_parser("unsubscribe", help="stop following a class feed (its decks stay)")
    unsubscribe_.add_argument("url", metavar="URL")
    unsubscribe_.set_defaults(run=cmd_unsubscribe)

    update = commands.add_parser("update", help="download and import what changed in the class feeds")
    _add_timeout(update)
    _add_yes(update)
    update.set_defaults(run=cmd_update)

    serve = commands.add_parser("serve", help="share a published folder on the local network (with a QR code) and take class reports")
    serve.add_argument("dir", type=Path, metavar="DIR")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0 picks a free one")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every network)")
    serve.add_argument("--app", type=Path, metavar="FILE", help="also offer this Android package of quizapp (.apk), for a class with no internet")
    serve.add_argument("--app-version", metavar="VERSION", help="the package's version, when its file name does not say (such as 0.3.1)")
    serve.set_defaults(run=cmd_serve)

    class_report = commands.add_parser("class-report", help="the class's hardest cards, from the reports learners sent")
    class_report.add_argument("deck", nargs="?", metavar="DECK_ID", help="one deck (default: every deck with reports)")
    class_report.add_argument("--served", type=Path, metavar="DIR", help="the folder `quizapp serve` shared (default: the last one)")
    class_report.add_argument("--png", type=Path, metavar="FILE", help="also draw the table as a bar chart")
    class_report.add_argument("--delete", metavar="NAME", help="delete this learner's report (for DECK_ID, else for every deck)")
    class_report.add_argument("--release", metavar="NAME", help="free a nickname, e.g. for a learner's new phone: the next learner to send under it keeps it")
    class_report.set_defaults(run=cmd_class_report)

    send = commands.add_parser("send-report", help="send the teacher your progress on one deck, under a name you choose")
    send.add_argument("deck", metavar="DECK_ID")
    send.add_argument("--name", required=True, help="the name or nickname the teacher will see")
    send.add_argument("--to", required=True, metavar="URL", help="the address the teacher's share shows")
    send.add_argument("--withdraw", action="store_true", help="take back the report you sent under --name instead")
    _add_timeout(send)
    send.set_defaults(run=cmd_send_report)

    use_bundled = commands.add_parser("use-bundled", help="go back from your teacher's version of a deck to the one bundled with the app")
    use_bundled.add_argument("deck", metavar="DECK_ID")
    use_bundled.set_defaults(run=cmd_use_bundled)

    backup_ = commands.add_parser("backup", help=f"back up the progress database now (the app also does it daily; newest {backup.KEEP} kept)")
    backup_.set_defaults(run=cmd_backup)

    restore = commands.add_parser("restore", help="put a backup back in place of the progress database (the replaced file is kept)")
    restore.add_argument("file", nargs="?", type=Path, metavar="FILE", help="a backup file (default: the newest sound one)")
    restore.add_argument("--list", action="store_true", help="list the backups, newest first")
    restore.set_defaults(run=cmd_restore)
    return parser


def _add_separators(command: argparse.ArgumentParser) -> None:
    names = ", ".join(SEPARATOR_NAMES)
    command.add_argument("--term-sep", default="tab", help=f"Quizlet text: between term and definition ({names}, or any text; default tab)")
    command.add_argument("--card-sep", default="newline", help="Quizlet text: between cards (default newline)")


def _add_yes(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--yes",
        action="store_true",
        help=f"apply what would otherwise only be shown and wait (exit {NEEDS_YES}): replacing an unsigned deck, "
        "a teacher's version of a bundled deck, or an update that changes safety cards or retires most of a deck",
    )


def _add_timeout(command: argparse.ArgumentParser) -> None:
    command.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for the network (default 15)")


class _EscapingStream:
    """A terminal stream that escapes control and text-direction characters in everything written
    to it: titles, names and messages come from decks, feeds and servers, and printed raw they
    could move the cursor, rewrite the screen or read backwards."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _escaped_output() -> Iterator[None]:
    """Every print of every command goes through _EscapingStream while the command runs."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _EscapingStream(stdout), _EscapingStream(stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def main(argv: Sequence[str] | None = None) -> int:
    with _escaped_output():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except DamagedStoreError as error:
        print(f"error: {error}", file=sys.stderr)
        print("`quizapp restore` puts the newest backup back; the damaged file is kept, not deleted.", file=sys.stderr)
        return 1
    except QuizappError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
