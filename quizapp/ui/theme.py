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

from quizapp.core.palette import PALETTES

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
FONTS_DIR = ASSETS_DIR / "fonts"

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
    disabled_fill = ColorProperty()
    disabled_text = ColorProperty()
    rating_again = ColorProperty()
    rating_hard = ColorProperty()
    rating_good = ColorProperty()
    rating_easy = ColorProperty()
    rating_text = ColorProperty()

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
