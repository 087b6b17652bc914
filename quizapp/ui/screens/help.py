"""Get help now: for the learner's region the emergency number, large, and the crisis line for
thoughts of suicide or self-harm; then the overdose steps and the disclaimer, exactly as the help
content gives them. One tap from every screen.

The region is the learner's choice, or with none chosen the one the system locale names. When
neither gives a region, the screen never guesses one: it says "Call your local emergency number"
in large type, with the region chooser beside it on the page (not a dialog in front of it), and
the region chosen there is kept as the learner's setting."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.utils import platform

from quizapp.core.errors import DeckFileError
from quizapp.core.help import Contact, Region
from quizapp.ui.text import numbered, source_lines
from quizapp.ui.widgets import AppScreen, load_kv_once

# Shown only if the bundled help file cannot be read: the one thing that must still be said.
FALLBACK_TEXT = "The help content could not be loaded. If someone may be overdosing, call your local emergency number now."
# Shown, large, when no region is known: the number is never guessed.
LOCAL_NUMBER_TEXT = "Call your local emergency number"
CHOOSE_REGION = "Choose your region"


def _start_activity(action: str, uri: str) -> None:
    from jnius import autoclass  # pyjnius ships with every python-for-android build

    intent_class = autoclass("android.content.Intent")
    intent = intent_class(getattr(intent_class, action), autoclass("android.net.Uri").parse(uri))
    autoclass("org.kivy.android.PythonActivity").mActivity.startActivity(intent)


def open_dialer(number: str) -> None:
    """Open Android's dialer with the number filled in (ACTION_DIAL needs no permission)."""
    _start_activity("ACTION_DIAL", "tel:" + number.replace(" ", ""))


def open_messages(number: str) -> None:
    """Open Android's messaging app with a text to the number started (needs no permission)."""
    _start_activity("ACTION_SENDTO", "smsto:" + number.replace(" ", ""))


def contact_source(contact: Contact) -> str:
    """Where a number was checked and when, for the line under it."""
    site = contact.source.split("/")[2].removeprefix("www.")
    return f"Checked {contact.checked.day} {contact.checked:%B %Y} at {site}"


class HelpScreen(AppScreen):
    title = StringProperty("Get help now")
    intro = StringProperty()
    region_known = BooleanProperty(False)
    region_name = StringProperty()
    number = StringProperty()
    note = StringProperty()
    number_source = StringProperty()
    crisis_name = StringProperty()  # "" when the region lists no crisis line
    crisis_number = StringProperty()
    crisis_how = StringProperty()  # "Call or text"; for a region without a crisis line, what to do
    crisis_source = StringProperty()
    crisis_can_text = BooleanProperty(False)
    numbers_note = StringProperty()
    steps = StringProperty()
    disclaimer = StringProperty()
    sources = StringProperty()
    region_names = ListProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        # Exactly one of the two panels is on the page: the region's numbers, or "call your local
        # emergency number" with the chooser beside it. Held here, not through `ids` (weak
        # references), so that the one off the page is kept for later.
        self._panels = {True: self.ids.number_panel.__self__, False: self.ids.local_panel.__self__}
        self.ids.page.remove_widget(self._panels[not self.region_known])
        self.bind(region_known=self._swap_panels)
        if platform == "android":  # only a phone can dial or text
            self._add_phone_buttons()

    def _add_phone_buttons(self) -> None:
        """"Call 911" under the emergency number; "Call 988" and, where it takes texts, "Text 988"
        under the crisis line. Each opens the phone's own app with the number filled in."""
        call_emergency = Factory.DialButton(on_release=lambda _button: open_dialer(self.number))
        self.bind(number=lambda _screen, number: setattr(call_emergency, "text", f"Call {number}"))
        self.ids.emergency_box.add_widget(call_emergency)
        call_crisis = Factory.DialButton(on_release=lambda _button: open_dialer(self.crisis_number))
        text_crisis = Factory.DialButton(on_release=lambda _button: open_messages(self.crisis_number))
        row = self.ids.crisis_buttons

        def show_crisis_buttons(*_args: Any) -> None:
            row.clear_widgets()
            call_crisis.text, text_crisis.text = f"Call {self.crisis_number}", f"Text {self.crisis_number}"
            if self.crisis_number:
                row.add_widget(call_crisis)
            if self.crisis_number and self.crisis_can_text:
                row.add_widget(text_crisis)

        self.bind(crisis_number=show_crisis_buttons, crisis_can_text=show_crisis_buttons)

    def _swap_panels(self, _screen: HelpScreen, known: bool) -> None:
        page, old = self.ids.page, self._panels[not known]
        index = page.children.index(old)
        page.remove_widget(old)
        page.add_widget(self._panels[known], index=index)

    def prepare(self, **_params: Any) -> None:
        try:
            content = self.app.help_content()
        except DeckFileError:
            self.intro = FALLBACK_TEXT
            for panel in self._panels.values():
                if panel.parent is not None:
                    panel.parent.remove_widget(panel)
            return
        self.title = content.title
        self.intro = content.intro
        self.numbers_note = content.numbers_note
        self.steps = numbered(step.text for step in content.steps)
        self.disclaimer = content.disclaimer
        self.sources = "Sources of the steps: " + source_lines(content.sources)
        self.region_names = [region.name for region in content.regions]
        self._show_region(self.app.help_region())

    def _show_region(self, region: Region | None) -> None:
        self.region_known = region is not None
        if region is None:
            self.region_name = self.number = self.note = self.number_source = ""
            self.crisis_name = self.crisis_number = self.crisis_how = self.crisis_source = ""
            self.crisis_can_text = False
            return
        emergency, crisis = region.emergency, region.crisis
        self.region_name = region.name
        self.number, self.note, self.number_source = emergency.number, emergency.note, contact_source(emergency)
        self.crisis_can_text = crisis is not None and "text" in crisis.reach
        if crisis is None:
            self.crisis_name = self.crisis_number = self.crisis_source = ""
            self.crisis_how = f"No crisis line is listed for this region. If someone is in danger, call {emergency.number}."
            return
        self.crisis_name, self.crisis_number, self.crisis_source = crisis.name, crisis.number, contact_source(crisis)
        self.crisis_how = crisis.how.capitalize()

    def choose_region(self, name: str) -> None:
        """Switch region by its name in the list, and keep it as the learner's setting. The
        chooser's own label (the region shown, or "Choose your region") changes nothing."""
        region = self.app.help_content().region(name) if name in self.region_names else None
        if region is not None and region.name != self.region_name:
            self.app.change_settings(region=region.id)
            self._show_region(region)


load_kv_once(__file__)
