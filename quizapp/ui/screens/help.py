"""Get help now: the emergency number for the learner's region, large, then the overdose steps
and the disclaimer, exactly as the help content gives them. One tap from every screen."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty
from kivy.utils import platform

from quizapp.core.errors import DeckFileError
from quizapp.ui.text import numbered, source_lines
from quizapp.ui.widgets import AppScreen, load_kv_once

# Shown only if the bundled help file cannot be read: the one thing that must still be said.
FALLBACK_TEXT = "The help content could not be loaded. If someone may be overdosing, call your local emergency number now."


def open_dialer(number: str) -> None:
    """Open Android's dialer with the number filled in (ACTION_DIAL needs no permission)."""
    from jnius import autoclass  # pyjnius ships with every python-for-android build

    intent_class = autoclass("android.content.Intent")
    uri = autoclass("android.net.Uri").parse("tel:" + number.replace(" ", ""))
    autoclass("org.kivy.android.PythonActivity").mActivity.startActivity(intent_class(intent_class.ACTION_DIAL, uri))


class HelpScreen(AppScreen):
    title = StringProperty("Get help now")
    intro = StringProperty()
    region_name = StringProperty()
    number = StringProperty()
    note = StringProperty()
    steps = StringProperty()
    disclaimer = StringProperty()
    sources = StringProperty()
    region_names = ListProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        if platform == "android":  # only a phone can dial
            dial_button = Factory.DialButton()
            self.bind(number=lambda _screen, number: setattr(dial_button, "text", f"Call {number}"))
            dial_button.bind(on_release=lambda _button: open_dialer(self.number))
            self.ids.number_panel.add_widget(dial_button, index=2)

    def prepare(self, **_params: Any) -> None:
        try:
            content = self.app.help_content()
        except DeckFileError:
            self.intro = FALLBACK_TEXT
            self.ids.number_panel.opacity, self.ids.number_panel.disabled = 0, True
            return
        self.title = content.title
        self.intro = content.intro
        self.steps = numbered(step.text for step in content.steps)
        self.disclaimer = content.disclaimer
        self.sources = "Sources: " + source_lines(content.sources)
        self.region_names = [region.name for region in content.regions]
        self._show_region(self.app.settings.region)

    def _show_region(self, region_id: str) -> None:
        region = self.app.help_content().region(region_id)
        self.region_name, self.number, self.note = region.name, region.number, region.note

    def choose_region(self, name: str) -> None:
        """Switch region by its name in the list, and keep it as the learner's setting."""
        region = self.app.help_content().region(name)
        if region.name != self.region_name:
            self.app.change_settings(region=region.id)
            self._show_region(region.id)


load_kv_once(__file__)
