"""The introduction: three short pages shown once, on the first start (then from Settings):
what the app is, how revealing and rating work, and that "Get help now" is always one tap away.
Skip, or Done on the last page, goes back to where the learner was."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import NumericProperty

from quizapp.ui.widgets import AppScreen, load_kv_once

# Each page: its title, then its paragraphs.
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Learn what keeps people safe",
        (
            "quizapp is a set of flashcards about drugs, overdose and getting help. Every card names the public health source its facts come from.",
            "A few minutes a day is enough: each card comes back just before you would forget it, and new cards come a few at a time.",
        ),
    ),
    (
        "Think, reveal, rate",
        (
            "Read the question and answer it in your head, or pick or type an answer. Then tap Show answer.",
            "Rate how well you remembered: Again if you forgot, Hard, Good, or Easy. Again brings the card back in a few minutes; Easy sends it furthest away.",
            "On a keyboard: Space shows the answer, and 1 to 4 rate it.",
        ),
    ),
    (
        "Help is one tap away",
        (
            "The red Get help now button is at the top of every screen. It shows the emergency number and a crisis line for your region.",
            "Choose your region in Settings, where you can also see this introduction again.",
        ),
    ),
)
KEY_ENTER, KEY_NUMPAD_ENTER, KEY_SPACE, KEY_LEFT, KEY_RIGHT = 13, 271, 32, 276, 275


class IntroScreen(AppScreen):
    page = NumericProperty(0)
    page_count = len(PAGES)
    restorable = False  # shown once; after a restart the learner is back on Home

    def prepare(self, **_params: Any) -> None:
        if not self.app.settings.intro_seen:  # remembered as soon as it is shown: it never comes uninvited again
            self.app.change_settings(intro_seen=True)
        self.show(0)

    def show(self, page: int) -> None:
        self.page = max(0, min(page, len(PAGES) - 1))
        title, paragraphs = PAGES[self.page]
        self.ids.title.text, self.ids.body.text = title, "\n\n".join(paragraphs)
        self.ids.dots.clear_widgets()
        for index in range(len(PAGES)):
            dot = Factory.PageDot()
            dot.current = index == self.page
            self.ids.dots.add_widget(dot)
        last = self.page == len(PAGES) - 1
        buttons = {}
        if self.page:
            buttons["previous"] = self.action("Previous", lambda: self.show(self.page - 1), primary=False)
        if not last:
            buttons["skip"] = self.action("Skip", self.app.go_back, primary=False)
        buttons["next"] = self.action("Done" if last else "Next", self.next)
        self.set_actions(buttons)

    def next(self) -> None:
        if self.page == len(PAGES) - 1:
            self.app.go_back()
        else:
            self.show(self.page + 1)

    def handle_key(self, key: int, codepoint: str | None, modifiers: list[str]) -> bool:
        if key in (KEY_RIGHT, KEY_SPACE, KEY_ENTER, KEY_NUMPAD_ENTER):
            self.next()
            return True
        if key == KEY_LEFT:
            self.show(self.page - 1)
            return True
        return False


load_kv_once(__file__)
