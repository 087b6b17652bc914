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


def open_dialer(number: str) -> None:
    """Open Android's dialer with the number filled in (ACTION_DIAL needs no permission)."""
    from jnius import autoclass  # pyjnius ships with every python-for-android build

    intent_class = autoclass("android.content.Intent")
    uri = autoclass("android.net.Uri").parse("tel:" + number.replace(" ", ""))
    autoclass("org.kivy.android.PythonActivity").mActivity.startActivity(intent_class(intent_class.ACTION_DIAL, uri))


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
        if platform == "android":  # only a phone can dial
            dial_button = Factory.DialButton()
            self.bind(number=lambda _screen, number: setattr(dial_button, "text", f"Call {number}"))
            dial_button.bind(on_release=lambda _button: open_dialer(self.number))
            self.ids.emergency_box.add_widget(dial_button)

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
            return
        emergency, crisis = region.emergency, region.crisis
        self.region_name = region.name
        self.number, self.note, self.number_source = emergency.number, emergency.note, contact_source(emergency)
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
