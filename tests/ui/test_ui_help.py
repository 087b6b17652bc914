"""Get help now through real widgets: the region comes from the learner's choice or the system
locale, never a silent United States; without one the screen says to call the local emergency
number, large, with the region chooser beside it on the page; the choice is kept; each region
shows its crisis line and how to reach it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kivy.core.window import Window
from kivy.uix.button import Button
from kivy.uix.modalview import ModalView
from ui_driver import Driver, check_layout, texts

from quizapp.core.errors import DeckFileError, Problem
from quizapp.core.help import load_help
from quizapp.ui.headless import pump
from quizapp.ui.screens import help as help_module
from quizapp.ui.screens.help import FALLBACK_TEXT, LOCAL_NUMBER_TEXT
from quizapp.ui.screens.settings import AUTOMATIC_REGION
from quizapp.ui.system_locale import FixedLocale


def open_help(ui: Driver, locale: str | None = None) -> object:
    """Open Get help now from the top bar, with no region chosen ("" follows the system locale)."""
    if locale is not None:
        ui.app.system_locale = FixedLocale(locale)
    ui.app.change_settings(region="")
    ui.tap(ui.screen.ids.top_bar.ids.help_button)
    assert ui.screen.name == "help"
    return ui.screen


def pick(ui: Driver, spinner, name: str) -> None:
    """Open a chooser and tap one of its entries, as a person does."""
    ui.tap(spinner)
    pump(3)
    option = next(child for child in spinner._dropdown.container.children if child.text == name)
    ui.tap(option)
    pump(2)


def on_first_screenful(widget) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    top = widget.to_window(widget.x, widget.top)[1]
    return widget.get_root_window() is not None and 0 <= x and y >= 0 and top <= Window.height


@pytest.mark.parametrize("locale", ["ja_JP.UTF-8", "hi_IN", "de_CH.UTF-8", "C.UTF-8"])
def test_an_unlisted_locale_gets_call_your_local_number_with_the_chooser_beside_it_never_the_us(ui: Driver, locale: str) -> None:
    screen = open_help(ui, locale)
    ids = screen.ids
    assert ids.local_number.text == LOCAL_NUMBER_TEXT
    assert ids.local_number.font_size >= 1.8 * ids.steps.font_size  # large type
    assert ids.number_panel.parent is None  # no emergency number is shown at all
    assert not [text for text in texts(screen) if "911" in text or "988" in text]
    # The chooser is beside the advice: in the same panel, both in the first screenful, and no
    # dialog or popup stands in front of either.
    row = ids.local_row.__self__
    assert ids.local_spinner.parent.parent is row and ids.local_number.parent is row
    assert on_first_screenful(ids.local_number) and on_first_screenful(ids.local_spinner)
    assert not [child for child in Window.children if isinstance(child, ModalView)]
    check_layout(screen)
    assert ui.app.collection.settings.region == ""  # nothing was saved behind the learner's back


def test_the_region_chosen_beside_the_advice_is_shown_and_kept_across_a_restart(start_app: Callable[..., Driver]) -> None:
    ui = start_app(locale=FixedLocale("ja_JP.UTF-8"))
    screen = open_help(ui)
    pick(ui, screen.ids.local_spinner, "Ireland")
    ids = screen.ids
    assert ui.app.collection.settings.region == "ie"
    assert ids.local_panel.parent is None and ids.number.text == "112" and "999 also works." in texts(screen)
    assert (ids.crisis_line.text, ids.crisis_number.text, ids.crisis_how.text) == ("Samaritans", "116 123", "Call")
    ui = start_app(locale=FixedLocale("ja_JP.UTF-8"))
    ui.app.go_home()  # the restart came back to Get help now; open it afresh from home
    ui.tap(ui.screen.ids.top_bar.ids.help_button)
    assert ui.screen.ids.number.text == "112" and ui.screen.ids.region_spinner.text == "Ireland"


@pytest.mark.parametrize(
    ("locale", "number", "crisis", "crisis_number", "how"),
    [
        ("en_US.UTF-8", "911", "988 Suicide & Crisis Lifeline", "988", "Call or text"),
        ("fr_CA.UTF-8", "911", "9-8-8: Suicide Crisis Helpline", "988", "Call or text"),
        ("en_GB.UTF-8", "999", "Samaritans", "116 123", "Call"),
        ("en_AU.UTF-8", "000", "Lifeline", "13 11 14", "Call"),
        ("en_NZ.UTF-8", "111", "1737: Need to talk?", "1737", "Call or text"),
    ],
)  # fmt: skip
def test_the_system_locale_finds_the_region_and_its_crisis_line_with_how_to_reach_it(
    ui: Driver, locale: str, number: str, crisis: str, crisis_number: str, how: str
) -> None:
    screen = open_help(ui, locale)
    ids = screen.ids
    assert ids.local_panel.parent is None and ids.number.text == number
    assert (ids.crisis_line.text, ids.crisis_number.text, ids.crisis_how.text) == (crisis, crisis_number, how)
    assert on_first_screenful(ids.number)
    shown = texts(screen)
    assert sum("Checked 7 December 2026 at" in text for text in shown) == 2  # both numbers, with their source
    assert ids.numbers_note.text == load_help().numbers_note
    assert ui.app.collection.settings.region == ""  # following the locale is not a choice


def test_a_region_without_a_crisis_line_says_what_to_do_instead(ui: Driver) -> None:
    screen = open_help(ui, "de_DE.UTF-8@euro")
    ids = screen.ids
    assert ids.number.text == "112" and ids.crisis_number.text == ""
    assert ids.crisis_how.text == "No crisis line is listed for this region. If someone is in danger, call 112."


def test_settings_offer_automatic_which_follows_the_device_and_can_be_chosen_again(ui: Driver) -> None:
    ui.app.system_locale = FixedLocale("hi_IN")
    ui.app.change_settings(region="")
    ui.tap(ui.screen.ids.settings_button)
    settings_screen = ui.screen
    ids = settings_screen.ids
    assert ids.region_spinner.text == AUTOMATIC_REGION and "call your local emergency number" in ids.region_detail.text
    pick(ui, ids.region_spinner, "New Zealand")
    assert ui.app.collection.settings.region == "nz" and ids.region_detail.text == ""
    pick(ui, ids.region_spinner, AUTOMATIC_REGION)
    assert ui.app.collection.settings.region == "" and ids.region_spinner.text == AUTOMATIC_REGION


def test_a_broken_help_file_still_says_to_call_the_local_emergency_number_first(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise DeckFileError([Problem("help.yaml", 1, 1, "broken")])

    monkeypatch.setattr(ui.app, "help_content", broken)
    ui.tap(ui.screen.ids.top_bar.ids.help_button)
    ids = ui.screen.ids
    assert ids.intro.text == FALLBACK_TEXT and on_first_screenful(ids.intro)
    assert ids.number_panel.parent is None and ids.local_panel.parent is None


def test_on_a_phone_each_number_has_a_button_that_opens_the_dialer_or_messages(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(help_module, "platform", "android")
    monkeypatch.setattr(help_module, "open_dialer", lambda number: opened.append(("dial", number)))
    monkeypatch.setattr(help_module, "open_messages", lambda number: opened.append(("text", number)))
    screen = open_help(ui, "en_US.UTF-8")
    buttons = {button.text: button for button in screen.walk() if isinstance(button, Button) and button.text.startswith(("Call ", "Text "))}
    assert set(buttons) == {"Call 911", "Call 988", "Text 988"}
    for name in ("Call 911", "Call 988", "Text 988"):
        ui.tap(buttons[name])
    assert opened == [("dial", "911"), ("dial", "988"), ("text", "988")]
    pick(ui, screen.ids.region_spinner, "United Kingdom")  # Samaritans take calls only
    assert [b.text for b in screen.ids.crisis_buttons.children] == ["Call 116 123"]
    pick(ui, screen.ids.region_spinner, "European Union (other countries)")  # no crisis line listed
    assert not screen.ids.crisis_buttons.children
