"""Render every screen to PNG files: `python -m quizapp.ui.screenshots OUTDIR`.

Uses the bundled decks and a temporary data folder with about two months of simulated reviews,
so the stats have something to draw. Each window size renders in its own process (Kivy has one
window per process), in light and dark. Files are named SIZE-THEME-SCREEN.png. The recovery screen
(over a copy whose database is damaged) always has the default light look, so it is rendered with
the light theme only.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.datadir import bundled_decks_dir
from quizapp.core.days import FixedClock
from quizapp.core.deck import CardType
from quizapp.core.quiz import Question, QuestionKind
from quizapp.core.session import StudySession
from quizapp.core.store import DB_NAME
from quizapp.ui.headless import pump, run_until, use_offscreen_window
from quizapp.ui.notify import DesktopReminders
from quizapp.ui.speech import Speech
from quizapp.ui.system_locale import FixedLocale

SIZES = ("1280x800", "412x915", "360x640")
THEMES = ("light", "dark")
HISTORY_DAYS = 60
# The pictures look the same on every machine: the system locale is this one, whatever the machine's.
SHOTS_LOCALE = "en_US.UTF-8"
# The last simulated day ends at noon UTC, far from the 04:00 rollover.
TODAY_NOON = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)
# Card types whose question and answer sides are worth a picture each.
STUDY_SHOTS = {
    CardType.BASIC: ("question", "answer"),
    CardType.CLOZE: ("question", "answer"),
    CardType.CHOICE: ("answer",),
    CardType.TYPEIN: ("answer",),
    CardType.ORDER: ("question", "placing", "answer"),  # placing: two steps placed, their grips showing
    CardType.MATCH: ("question", "answer"),
    CardType.TRUEFALSE: ("answer",),
}


def simulate_history(data_dir: Path, days: int = HISTORY_DAYS, seed: int = 7) -> datetime:
    """Study the bundled decks for `days` days, skipping some, with mostly-good ratings.
    Returns the instant the simulation ends (the screenshots' "now")."""
    rng = random.Random(seed)
    clock = FixedClock(TODAY_NOON - timedelta(days=days))
    with Collection.open(data_dir, clock=clock, tz=timezone.utc) as collection:
        collection.sync_files([bundled_decks_dir()])
        for _day in range(days):
            if rng.random() < 0.8:
                session = StudySession(collection, rng=rng)
                for _answer in range(rng.randint(8, 35)):
                    if session.next_card() is None:
                        break
                    session.answer(rng.choices(list(Rating), weights=(12, 13, 65, 10))[0], duration_ms=rng.randint(3_000, 20_000))
                    clock.advance(seconds=rng.randint(5, 40))
            clock.current = clock.current.replace(hour=12, minute=0, second=0) + timedelta(days=1)
        # One card of each type becomes new again, so today's study session meets every type.
        first_of_type = {row.card.type: row.key for row in reversed(collection.search(limit=1_000_000))}
        collection.reset(list(first_of_type.values()))
    return clock.current


def response_for(question: Question, right: bool) -> Any:
    """A right or a plausible wrong response to a question."""
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        wrong = [option for option in question.options if option not in question.right]
        return tuple(question.right) if right else (wrong[0],)
    if kind is QuestionKind.TRUEFALSE:
        return question.truth if right else not question.truth
    if kind is QuestionKind.ORDER:
        steps = list(question.right)
        return tuple(steps) if right else tuple(steps[1:2] + steps[:1] + steps[2:])
    if kind is QuestionKind.MATCH:
        pairs = dict(question.pairs)
        if not right:
            first = question.items[0]
            pairs[first] = next(option for option in question.options if option != pairs[first])
        return pairs
    answer = question.right[0]
    return answer if right else answer[:-2] + answer[-1:]


class Tour:
    """Visits every screen of a running app and saves a picture of each."""

    def __init__(self, app: Any, out_dir: Path, prefix: str) -> None:
        self.app = app
        self.out_dir = out_dir
        self.prefix = prefix

    def shot(self, name: str, scroll_y: float = 1.0) -> None:
        scroll = self.app.current_screen().ids.get("scroll")
        if scroll is not None:
            scroll.scroll_y = scroll_y
        pump(6)
        self.app.root.export_to_png(str(self.out_dir / f"{self.prefix}-{name}.png"))

    def window_shot(self, name: str) -> None:
        """The whole window, with the question over the screen (a dialog is not part of the root)."""
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

        pump(6)
        width, height = Window.size
        Window._win.save_bytes_in_png(str(self.out_dir / f"{self.prefix}-{name}.png"), glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE), width, height)

    def question(self) -> Any:
        """The question the app shows, once it shows one."""
        from kivy.core.window import Window

        from quizapp.ui.dialogs import QuestionDialog

        run_until(lambda: any(isinstance(child, QuestionDialog) for child in Window.children))
        return next(child for child in Window.children if isinstance(child, QuestionDialog))

    def start(self) -> None:
        """Start the app and wait for its progress to be open (or found unopenable): on a loaded
        machine that can take longer than the app waits before saying it is opening."""
        self.app._run_prepare()
        run_until(lambda: getattr(self.app.current_screen(), "mode", None) != "opening")

    def run(self) -> None:
        """Start the app, visit every screen, stop the app."""
        app = self.app
        self.start()
        run_until(lambda: not app.loading)
        self.intro()
        self.shot("home")
        app.open_screen("stats")
        self.shot("stats")
        self.shot("stats-bottom", scroll_y=0)
        app.go_back()
        deck_options = app.open_screen("deck_options", deck_id=app.collection.deck_ids()[0])
        deck_options.change("new_per_day", 10)  # one option of this deck's own, the rest following the app
        self.shot("deck-options")
        self.shot("deck-options-bottom", scroll_y=0)
        deck_options.use_app_settings()
        app.go_back()
        browse = app.open_screen("browse")
        self.shot("browse")
        app.open_screen("card", key=browse.ids.results.data[0]["key"])
        self.shot("card")
        app.go_home()
        settings = app.open_screen("settings")
        self.shot("settings")
        self.shot("settings-bottom", scroll_y=0)
        settings.change("reminder_on", True)
        self.shot("settings-reminder", scroll_y=0)
        settings.change("reminder_on", False)
        self.get_help()
        app.go_home()
        self.quiz()
        app.go_home()
        self.study()
        app.go_home()
        self.import_and_share()
        app.go_home()
        self.trust()
        app.stop()

    def intro(self) -> None:
        """The introduction a first start shows over Home, page by page, then skipped."""
        intro = self.app.current_screen()
        for page in range(1, intro.page_count + 1):
            self.shot(f"intro-{page}")
            intro.next()

    def get_help(self) -> None:
        """Get help now for a region (the system locale's), scrolled to its steps, and with no
        region known: a system locale that names none, and no region chosen."""
        app = self.app
        app.open_screen("help")
        self.shot("help")
        self.shot("help-bottom", scroll_y=0)
        app.go_back()
        app.system_locale = FixedLocale("ja_JP.UTF-8")
        app.change_settings(region="")
        app.open_screen("help")
        self.shot("help-no-region")
        app.go_back()
        app.system_locale = FixedLocale(SHOTS_LOCALE)

    def import_and_share(self) -> None:
        """Import, then Share while sharing, with one class report (sent to the share as a
        learner's app would) so the hardest cards show."""
        from quizapp.sharing.reports import build_report, send_report

        self.app.open_screen("import")
        self.shot("import")
        self.shot("import-bottom", scroll_y=0)
        self.app.go_home()
        screen = self.app.open_screen("share")
        run_until(lambda: "class" not in screen.busy)
        self.shot("share")
        screen.start_sharing()
        run_until(lambda: "share" not in screen.busy)
        send_report(screen.share.url, build_report(self.app.collection, "overdose-response", "Ana"))
        run_until(lambda: "class" not in screen.busy and bool(screen.ids.hardest_list.children))
        self.shot("share-sharing")
        self.shot("share-sharing-bottom", scroll_y=0)
        screen.stop_sharing()
        run_until(lambda: "share" not in screen.busy)

    def trust(self) -> None:
        """The questions before a deck changes: following a class feed (its publisher's words), a
        teacher's version of a bundled deck, and a deck another origin holds (Keep both); then the
        deck's Options with the way back to the app's version."""
        from quizapp.sharing.bundle import bundle_deck_file
        from quizapp.sharing.feed import publish
        from quizapp.sharing.server import ShareServer
        from quizapp.sharing.signing import PublisherKey

        app = self.app
        overdose = bundled_decks_dir() / "overdose-response.yaml"
        with tempfile.TemporaryDirectory(prefix="quizapp-shots-feed-") as temp:
            decks, feed = Path(temp) / "decks", Path(temp) / "feed"
            decks.mkdir()
            # The teacher republishes the bundled deck one version up (no card changed).
            text = overdose.read_text(encoding="utf-8")
            (decks / overdose.name).write_text(re.sub(r"(?m)^  version: (\d+)$", lambda m: f"  version: {int(m.group(1)) + 1}", text, count=1), encoding="utf-8")
            publish(decks, feed, signer=PublisherKey.from_raw(bytes(range(32))))  # a fixed key: the same words in every picture
            with ShareServer(feed, host="127.0.0.1", port=0) as server:
                screen = app.open_screen("import")
                screen.propose_feed(server.url)
                self.window_shot_of_question("import-follow-feed", yes=True)
                self.window_shot_of_question("import-teachers-version", yes=True)
                run_until(lambda: not screen.busy)
            bundle_deck_file(overdose, Path(temp) / "overdose-response.quizdeck")  # an unsigned copy, from another origin
            screen.import_path(Path(temp) / "overdose-response.quizdeck")
            self.window_shot_of_question("import-keep-both", yes=False)
            run_until(lambda: not screen.busy)
        app.go_home()
        options = app.open_screen("deck_options", deck_id="overdose-response")
        self.shot("deck-options-teachers-version")
        options.use_bundled()
        app.go_home()

    def window_shot_of_question(self, name: str, yes: bool) -> None:
        dialog = self.question()
        self.window_shot(name)
        dialog.answer(yes)

    def recovery(self) -> None:
        """Start the app on a damaged database: the recovery screen, then its confirm step."""
        app = self.app
        self.start()
        pump(3)
        self.shot("recovery")
        app.current_screen().start_empty()
        self.shot("recovery-confirm", scroll_y=0)
        app.stop()

    def quiz(self) -> None:
        setup = self.app.open_screen("quiz_setup", deck_ids=None)
        self.shot("quiz-setup")
        setup.start()
        quiz_screen = self.app.current_screen()
        for index in range(quiz_screen.total):
            widget = quiz_screen.answer_widget
            if index == 0:
                self.shot("quiz-question")
            answer_with_widget(widget, right=index % 3 != 0)
            pump(3)
            if index == 0:
                self.shot("quiz-feedback", scroll_y=0)
            quiz_screen.next()
        self.shot("quiz-result")

    def study(self) -> None:
        study = self.app.open_screen("study", deck_ids=None)
        study.show_more = True  # Bury and Suspend
        self.shot("study-more")
        study.show_more = False
        wanted = {(card_type, side) for card_type, sides in STUDY_SHOTS.items() for side in sides}
        while wanted and study.phase == "question":
            card_type = study.card.card.type
            card_type = CardType.BASIC if card_type is CardType.REVERSE else card_type
            name = f"study-{card_type.value}"
            if (card_type, "question") in wanted:
                self.shot(f"{name}-question")
                wanted.discard((card_type, "question"))
            if (card_type, "placing") in wanted and study.answer_widget is not None:
                self.placing_shot(name, study.answer_widget)
                wanted.discard((card_type, "placing"))
            if study.answer_widget is not None:
                answer_with_widget(study.answer_widget, right=card_type is not CardType.TYPEIN)
                pump(3)
            study.reveal()
            if (card_type, "answer") in wanted:
                self.shot(f"{name}-answer", scroll_y=0)
                wanted.discard((card_type, "answer"))
            study.rate(Rating.GOOD)
            pump(1)


    def placing_shot(self, name: str, widget: Any) -> None:
        """An order card half answered: two steps placed, then taken back again."""
        placed = list(widget.question.right[:2])
        for step in placed:
            widget.place(step)
        self.shot(f"{name}-placing")
        for step in placed:
            widget.take_back(step)


def answer_with_widget(widget: Any, right: bool) -> None:
    """Answer through the widget's own controls, as a learner's taps would."""
    response = response_for(widget.question, right)
    kind = widget.question.kind
    if kind is QuestionKind.CHOICE:
        for option in response:
            widget.buttons[option].trigger_action(0)
        if widget.question.multiple_answers:
            widget.check()
    elif kind is QuestionKind.TRUEFALSE:
        widget.respond_bool(response)
    elif kind is QuestionKind.ORDER:
        for step in response:
            widget.place(step)
        widget.check()
    elif kind is QuestionKind.MATCH:
        for item in widget.question.items:
            widget.select(item)
            widget.assign(response[item])
        widget.check()
    else:
        widget.ids.field.text = response
        widget.submit()
    pump(2)


def render_size(out_dir: Path, size: str, themes: Sequence[str], history: Path, now: datetime, text_size: int = 100) -> None:
    """Render every screen at one window size (call once per process); `text_size` is the
    Settings text size in percent, named in the file names when it is not 100."""
    width, height = (int(part) for part in size.split("x"))
    use_offscreen_window(width, height)
    clock = FixedClock(now)
    for theme in themes:
        with copy_of(history) as data_dir:
            with Collection.open(data_dir, clock=clock, tz=timezone.utc) as collection:
                collection.update_settings(theme=theme, font_scale=text_size / 100)
            Tour(make_app(data_dir, clock), out_dir, f"{size}-{theme}" + (f"-text{text_size}" if text_size != 100 else "")).run()
    if "light" in themes and text_size == 100:
        with copy_of(history) as data_dir:
            with Collection.open(data_dir, clock=clock, tz=timezone.utc) as collection:
                collection.backup_if_due()  # so that there is a backup to offer
            (data_dir / DB_NAME).write_bytes(b"damaged " * 1000)
            Tour(make_app(data_dir, clock), out_dir, f"{size}-light").recovery()


@contextlib.contextmanager
def copy_of(history: Path) -> Iterator[Path]:
    """A temporary data folder holding a copy of the simulated history."""
    with tempfile.TemporaryDirectory(prefix="quizapp-shots-") as temp:
        data_dir = Path(temp) / "data"
        shutil.copytree(history, data_dir)
        yield data_dir


class SilentVoice(Speech):
    """A voice that says nothing: the pictures show the Read aloud buttons on every machine."""

    def available(self) -> bool:
        return True

    def speak(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


def make_app(data_dir: Path, clock: FixedClock) -> Any:
    """The app on `data_dir` at the screenshots' fixed time, with the bundled decks."""
    # Imported here: kivy must not load before the window size is configured.
    from quizapp.ui.app import QuizApp

    return QuizApp(
        data_dir=data_dir,
        collection_factory=lambda directory: Collection.open(directory, clock=clock, tz=timezone.utc),
        deck_folders=[bundled_decks_dir()],
        locale=FixedLocale(SHOTS_LOCALE),
        speech=SilentVoice(),
        reminders=DesktopReminders(lambda: None, lambda _seconds, _callback: lambda: None),  # never goes off mid-tour
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quizapp.ui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--size", action="append", dest="sizes", help=f"WIDTHxHEIGHT (default: {', '.join(SIZES)})")
    parser.add_argument("--theme", action="append", dest="themes", choices=THEMES, help="default: both")
    parser.add_argument("--text-size", type=int, default=100, metavar="PERCENT", help="the Settings text size, 75 to 200 (default: 100)")
    parser.add_argument("--history", type=Path, help=argparse.SUPPRESS)  # set for the per-size processes
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    sizes, themes = args.sizes or list(SIZES), args.themes or list(THEMES)
    if args.history is not None:
        render_size(args.out_dir, sizes[0], themes, args.history, datetime.fromisoformat(args.now), args.text_size)
        return 0
    with tempfile.TemporaryDirectory(prefix="quizapp-history-") as temp:
        history = Path(temp) / "data"
        now = simulate_history(history)
        for size in sizes:
            command = [sys.executable, "-m", "quizapp.ui.screenshots", str(args.out_dir), "--size", size, "--history", str(history), "--now", now.isoformat(), "--text-size", str(args.text_size)]
            for theme in themes:
                command += ["--theme", theme]
            subprocess.run(command, check=True)
    print(f"screenshots written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
