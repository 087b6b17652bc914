"""Colours and text sizes, light and dark, with the learner's font scale applied.

Widgets bind to `app.theme.<name>` in their kv rules, so switching theme or font scale restyles
every widget on screen at once. Text sizes are sp (they follow the system font size on phones)
times the font scale from the settings.
"""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.event import EventDispatcher
from kivy.metrics import sp
from kivy.properties import ColorProperty, NumericProperty, StringProperty
from kivy.utils import get_color_from_hex

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
FONTS_DIR = ASSETS_DIR / "fonts"

# Colours chosen for at least 4.5:1 contrast of text on its background in both palettes.
PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "background": "#F3F5F8",
        "surface": "#FFFFFF",
        "surface_alt": "#E3E8EF",
        "border": "#C5CDD8",
        "text": "#1A1E24",
        "muted": "#535D69",
        "primary": "#1D5DAA",
        "primary_text": "#FFFFFF",
        "bar": "#1D5DAA",
        "bar_text": "#FFFFFF",
        "danger": "#B0221A",
        "danger_text": "#FFFFFF",
        "selected": "#C9DDF6",
        "right": "#1C6E2C",
        "right_fill": "#CDEBD3",
        "wrong": "#A81F17",
        "wrong_fill": "#F6D2CF",
        "new": "#1D5DAA",
        "learning": "#B24A00",
        "review": "#1C6E2C",
        "young": "#6FBF7A",
        "mature": "#1C6E2C",
        "suspended": "#C7A500",
        "buried": "#8A8F96",
    },
    "dark": {
        "background": "#121418",
        "surface": "#1D2127",
        "surface_alt": "#2B3139",
        "border": "#3D4550",
        "text": "#ECEFF3",
        "muted": "#A9B2BD",
        "primary": "#6EA8F0",
        "primary_text": "#0B1522",
        "bar": "#1C2A3C",
        "bar_text": "#ECEFF3",
        "danger": "#E5534B",
        "danger_text": "#190605",
        "selected": "#23446B",
        "right": "#7BD08A",
        "right_fill": "#1E4427",
        "wrong": "#FF8A80",
        "wrong_fill": "#5A1F1B",
        "new": "#6EA8F0",
        "learning": "#FFA64D",
        "review": "#7BD08A",
        "young": "#4F9A5B",
        "mature": "#8FE09C",
        "suspended": "#E0C23C",
        "buried": "#7D848D",
    },
}

# Text sizes in sp at a font scale of 1.
TEXT_SIZES = {"font_small": 13, "font_body": 16, "font_large": 20, "font_title": 18, "font_huge": 52}
# The top bar's text grows with the font scale only up to this size, so Back, the title and
# "Get help now" still share one row on a 360dp phone.
MAX_BAR_TEXT = 18


def register_fonts() -> None:
    """Make DejaVu Sans the default font: Kivy's Roboto has no arrows or check marks."""
    LabelBase.register(
        DEFAULT_FONT,
        fn_regular=str(FONTS_DIR / "DejaVuSans.ttf"),
        fn_bold=str(FONTS_DIR / "DejaVuSans-Bold.ttf"),
    )


class Theme(EventDispatcher):
    name = StringProperty("light")
    font_scale = NumericProperty(1.0)

    background = ColorProperty()
    surface = ColorProperty()
    surface_alt = ColorProperty()
    border = ColorProperty()
    text = ColorProperty()
    muted = ColorProperty()
    primary = ColorProperty()
    primary_text = ColorProperty()
    bar = ColorProperty()
    bar_text = ColorProperty()
    danger = ColorProperty()
    danger_text = ColorProperty()
    selected = ColorProperty()
    right = ColorProperty()
    right_fill = ColorProperty()
    wrong = ColorProperty()
    wrong_fill = ColorProperty()
    new = ColorProperty()
    learning = ColorProperty()
    review = ColorProperty()
    young = ColorProperty()
    mature = ColorProperty()
    suspended = ColorProperty()
    buried = ColorProperty()

    font_small = NumericProperty()
    font_body = NumericProperty()
    font_large = NumericProperty()
    font_title = NumericProperty()
    font_huge = NumericProperty()
    font_bar = NumericProperty()

    def __init__(self, name: str = "light", font_scale: float = 1.0) -> None:
        super().__init__()
        self.apply(name, font_scale)

    def apply(self, name: str, font_scale: float) -> None:
        """Switch palette and text size; every bound widget follows."""
        self.name = name
        self.font_scale = font_scale
        for colour_name, value in PALETTES[name].items():
            setattr(self, colour_name, get_color_from_hex(value))
        for size_name, size in TEXT_SIZES.items():
            setattr(self, size_name, sp(size) * font_scale)
        self.font_bar = sp(min(TEXT_SIZES["font_body"] * font_scale, MAX_BAR_TEXT))

    def hex(self, colour_name: str) -> str:
        """A palette colour as `rrggbb`, for `[color=...]` in label markup."""
        return PALETTES[self.name][colour_name].lstrip("#")
