"""The class report as a picture: one horizontal bar per card, hardest first, drawn with Pillow.

Each bar is the class's mean retrievability (how likely the class is to recall the card now),
red when low and green when high, with the number of learners and total lapses beside it. Kept
apart from reports.py so a learner's phone, which only sends reports, never needs Pillow.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from quizapp.core.errors import QuizappError
from quizapp.sharing.atomic import atomic_output
from quizapp.sharing.reports import HardCard

MAX_BARS = 25
WIDTH = 1000
ROW_HEIGHT = 30
MARGIN = 16
LABEL_WIDTH = 430
BAR_WIDTH = 360
FONT_SIZE = 14
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)
FAINT = (150, 150, 150)


def draw_chart(rows: list[HardCard], path: Path, *, title: str) -> Path:
    """Write a PNG of the hardest `MAX_BARS` cards; returns the path written."""
    if not rows:
        raise QuizappError("no reports yet, so there is nothing to draw")
    shown = rows[:MAX_BARS]
    font = ImageFont.load_default(FONT_SIZE)
    height = MARGIN * 3 + ROW_HEIGHT * (len(shown) + 1)
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), _fit(draw, title, font, WIDTH - 2 * MARGIN), fill=INK, font=font)
    bar_left = MARGIN + LABEL_WIDTH
    header_y = MARGIN * 2 + FONT_SIZE
    draw.text((bar_left, header_y), "mean retrievability (0-100%)", fill=FAINT, font=font)
    draw.text((bar_left + BAR_WIDTH + MARGIN, header_y), "learners / lapses", fill=FAINT, font=font)
    for number, row in enumerate(shown):
        top = header_y + ROW_HEIGHT * (number + 1)
        label = f"{row.card_id}{'' if row.sibling == 0 else f' #{row.sibling}'}  {row.front}"
        draw.text((MARGIN, top + 6), _fit(draw, label, font, LABEL_WIDTH - MARGIN), fill=INK, font=font)
        draw.rectangle((bar_left, top + 4, bar_left + BAR_WIDTH, top + ROW_HEIGHT - 4), outline=FAINT)
        if row.mean_retrievability is None:
            draw.text((bar_left + 8, top + 6), "not reviewed yet", fill=FAINT, font=font)
        else:
            length = round(BAR_WIDTH * row.mean_retrievability)
            draw.rectangle((bar_left, top + 4, bar_left + length, top + ROW_HEIGHT - 4), fill=_colour(row.mean_retrievability))
            draw.text((bar_left + 8, top + 6), f"{row.mean_retrievability:.0%}", fill=INK, font=font)
        draw.text((bar_left + BAR_WIDTH + MARGIN, top + 6), f"{row.learners} / {row.total_lapses}", fill=INK, font=font)
    with atomic_output(Path(path)) as out:
        image.save(out, format="PNG")
    return Path(path)


def _colour(retrievability: float) -> tuple[int, int, int]:
    """Red at 0, amber around 0.5, green at 1."""
    red = round(220 * min(1.0, 2 * (1 - retrievability)))
    green = round(180 * min(1.0, 2 * retrievability))
    return (red, green, 60)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int) -> str:
    """`text`, cut with "..." to fit `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text + "..."
