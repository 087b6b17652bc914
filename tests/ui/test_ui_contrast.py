"""Contrast computed from the theme, in light and dark (WCAG 2 relative luminance): disabled
buttons keep readable text, and the four rating buttons stand out from the screen and carry
readable text."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from ui_driver import KEY_SPACE, ROUTES, Driver

from quizapp.ui.screens.study import RatingButton
from quizapp.ui.theme import Theme

RATING_FILLS = ("rating_again", "rating_hard", "rating_good", "rating_easy")
# Rating buttons sit on the screen's background and on raised panels.
SCREEN_BACKGROUNDS = ("background", "surface")


def relative_luminance(rgba: Sequence[float]) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgba[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: Sequence[float], second: Sequence[float]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_measured_as_wcag_defines_it() -> None:
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21)
    assert contrast((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == pytest.approx(1)
    assert contrast((1, 1, 1, 1), (118 / 255, 118 / 255, 118 / 255, 1)) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_disabled_text_is_readable(name: str) -> None:
    theme = Theme(name)
    assert contrast(theme.disabled_text, theme.disabled_fill) >= 4.5


@pytest.mark.parametrize("name", ["light", "dark"])
def test_rating_colours_stand_out_and_carry_readable_text(name: str) -> None:
    theme = Theme(name)
    for fill in RATING_FILLS:
        colour = getattr(theme, fill)
        for background in SCREEN_BACKGROUNDS:
            assert contrast(colour, getattr(theme, background)) >= 3, f"{fill} on {background} in {name}"
        assert contrast(theme.rating_text, colour) >= 4.5, f"text on {fill} in {name}"


@pytest.mark.parametrize("name", ["light", "dark"])
def test_rating_colours_are_four_different_colours(name: str) -> None:
    theme = Theme(name)
    fills = [tuple(getattr(theme, fill)) for fill in RATING_FILLS]
    assert len(set(fills)) == 4
    assert all(fill != tuple(theme.surface_alt) for fill in fills)  # not the plain button grey


@pytest.mark.parametrize("name", ["light", "dark"])
def test_study_draws_each_rating_in_its_own_colour(ui: Driver, name: str) -> None:
    ui.app.change_settings(theme=name)
    ROUTES["study"](ui)
    ui.press(KEY_SPACE)  # the answer side, with its four rating buttons
    buttons = sorted((widget for widget in ui.screen.walk() if isinstance(widget, RatingButton)), key=lambda button: button.rating)
    theme = ui.app.theme
    assert [tuple(button.fill) for button in buttons] == [tuple(getattr(theme, fill)) for fill in RATING_FILLS]
    assert all(tuple(button.color) == tuple(theme.rating_text) for button in buttons)
