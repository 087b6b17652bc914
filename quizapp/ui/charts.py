"""Charts drawn with canvas instructions: bars, a line, a stacked bar and a calendar heatmap.

Each chart redraws itself when its data, its size or the theme changes. They take plain values
(the stats screen turns `quizapp.core.stats` results into them), so they hold no statistics.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import (
    ColorProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.widget import Widget

Colour = tuple[float, float, float, float]


def mix(low: Colour, high: Colour, share: float) -> Colour:
    """The colour `share` of the way from `low` to `high`."""
    return tuple(a + (b - a) * share for a, b in zip(low, high))  # type: ignore[return-value]


class Chart(Widget):
    """Base: schedules one redraw per frame when anything it shows changes."""

    empty_text = StringProperty("No data yet")
    redraw_on: tuple[str, ...] = ()  # the subclass's data properties

    def __init__(self, **kwargs: Any) -> None:
        self._redraw = Clock.create_trigger(lambda _dt: self.redraw())
        super().__init__(**kwargs)
        for name in ("pos", "size", "empty_text", *self.redraw_on):
            self.fbind(name, self._redraw)
        self.theme.bind(name=self._redraw, font_scale=self._redraw)

    @property
    def theme(self) -> Any:
        return App.get_running_app().theme

    def redraw(self) -> None:
        self.canvas.clear()
        with self.canvas:
            if self.has_data():
                self.draw()
            else:
                self.draw_text(self.empty_text, self.center_x, self.center_y, anchor=(0.5, 0.5))

    def has_data(self) -> bool:
        return True

    def draw(self) -> None:
        raise NotImplementedError

    def text_texture(self, text: str, colour: Colour | None = None) -> Texture:
        label = CoreLabel(text=text, font_size=self.theme.font_small, color=colour or self.theme.muted)
        label.refresh()
        texture: Texture = label.texture
        return texture

    def draw_text(self, text: str, x: float, y: float, anchor: tuple[float, float] = (0, 0)) -> None:
        """Draw text with its anchor point (0-1 of its width and height) at (x, y)."""
        texture = self.text_texture(text)
        width, height = texture.size
        Color(1, 1, 1, 1)
        Rectangle(texture=texture, size=texture.size, pos=(round(x - width * anchor[0]), round(y - height * anchor[1])))


class BarChart(Chart):
    """One bar per value, oldest on the left; the highest value and the first and last labels
    are written on the axes."""

    values = ListProperty()
    first_label = StringProperty()
    last_label = StringProperty()
    bar_colour = ColorProperty((0.2, 0.4, 0.8, 1))
    redraw_on = ("values", "first_label", "last_label", "bar_colour")

    def has_data(self) -> bool:
        return any(self.values)

    def draw(self) -> None:
        top_value = max(self.values)
        axis_width = self.text_texture(f"{top_value:g}").width + dp(6)
        label_height = self.text_texture("0").height + dp(4)
        left, bottom = self.x + axis_width, self.y + label_height
        width, height = self.right - left, self.top - bottom - dp(4)
        slot = width / len(self.values)
        Color(*self.theme.border)
        Line(points=[left, bottom, self.right, bottom], width=1)
        Color(*self.bar_colour)
        for index, value in enumerate(self.values):
            if value:
                Rectangle(pos=(left + index * slot + slot * 0.15, bottom), size=(slot * 0.7, height * value / top_value))
        self.draw_text(f"{top_value:g}", left - dp(4), self.top - dp(4), anchor=(1, 1))
        self.draw_text("0", left - dp(4), bottom, anchor=(1, 0.5))
        self.draw_text(self.first_label, left, self.y, anchor=(0, 0))
        self.draw_text(self.last_label, self.right, self.y, anchor=(1, 0))


class LineChart(Chart):
    """A share from 0 to 1 per day (None where there is no data), with an optional target line."""

    values = ListProperty()
    target = NumericProperty(None, allownone=True)
    first_label = StringProperty()
    last_label = StringProperty()
    line_colour = ColorProperty((0.2, 0.4, 0.8, 1))
    redraw_on = ("values", "target", "first_label", "last_label", "line_colour")

    def has_data(self) -> bool:
        return any(value is not None for value in self.values)

    def draw(self) -> None:
        axis_width = self.text_texture("100%").width + dp(6)
        label_height = self.text_texture("0").height + dp(4)
        left, bottom = self.x + axis_width, self.y + label_height
        width, height = self.right - left, self.top - bottom - dp(8)
        step = width / max(1, len(self.values) - 1)

        def y_of(share: float) -> float:
            return bottom + height * share

        Color(*self.theme.border)
        for share in (0, 0.5, 1):
            Line(points=[left, y_of(share), self.right, y_of(share)], width=1)
            self.draw_text(f"{share:.0%}", left - dp(4), y_of(share), anchor=(1, 0.5))
        if self.target is not None:
            Color(*self.theme.learning)
            Line(points=[left, y_of(self.target), self.right, y_of(self.target)], width=1, dash_length=dp(4), dash_offset=dp(4))
        Color(*self.line_colour)
        points = [(left + index * step, y_of(value)) for index, value in enumerate(self.values) if value is not None]
        if len(points) > 1:
            Line(points=[coordinate for point in points for coordinate in point], width=dp(1.5))
        radius = dp(2.5)
        for x, y in points:
            Ellipse(pos=(x - radius, y - radius), size=(radius * 2, radius * 2))
        self.draw_text(self.first_label, left, self.y, anchor=(0, 0))
        self.draw_text(self.last_label, self.right, self.y, anchor=(1, 0))


class StackedBar(Chart):
    """One bar split by share: `parts` is a list of (count, colour)."""

    parts = ListProperty()
    redraw_on = ("parts",)

    def has_data(self) -> bool:
        return any(count for count, _colour in self.parts)

    def draw(self) -> None:
        total = sum(count for count, _colour in self.parts)
        x = self.x
        for count, colour in self.parts:
            width = self.width * count / total
            Color(*colour)
            Rectangle(pos=(x, self.y), size=(width, self.height))
            x += width


class CalendarHeatmap(Chart):
    """Answers per day as a calendar: one column per week (Monday at the top), as many weeks up
    to a year as fit at a readable cell size, ending with the week of `end`."""

    counts = DictProperty()
    end = ObjectProperty(None, allownone=True)
    weeks_shown = NumericProperty(0)
    high_colour = ColorProperty((0.1, 0.5, 0.2, 1))
    redraw_on = ("counts", "end", "weeks_shown", "high_colour")

    MAX_WEEKS = 53
    MIN_CELL = dp(9)
    MAX_CELL = dp(16)
    GAP = dp(2)

    def on_size(self, *_args: Any) -> None:
        weeks = min(self.MAX_WEEKS, max(1, int(self.width // (self.MIN_CELL + self.GAP))))
        cell = min(self.MAX_CELL, self.width / weeks - self.GAP)
        self.weeks_shown = weeks
        self.height = 7 * (cell + self.GAP)

    def has_data(self) -> bool:
        return self.end is not None

    def draw(self) -> None:
        weeks = self.weeks_shown
        pitch = self.height / 7
        cell = pitch - self.GAP
        last_monday = self.end - timedelta(days=self.end.weekday())
        first_monday = last_monday - timedelta(weeks=weeks - 1)
        top_count = max(self.counts.values(), default=0)
        empty = self.theme.surface_alt
        for week in range(weeks):
            for weekday in range(7):
                day = first_monday + timedelta(days=week * 7 + weekday)
                if day > self.end:
                    break
                count = self.counts.get(day, 0)
                # Four steps of shade, so a busy day stands out from a light one.
                share = math.ceil(4 * count / top_count) / 4 if count else 0
                Color(*(mix(empty, self.high_colour, 0.25 + 0.75 * share) if count else empty))
                Rectangle(pos=(self.x + week * pitch, self.top - (weekday + 1) * pitch), size=(cell, cell))
