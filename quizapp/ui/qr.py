"""A QR code on screen: the widget and its texture. The matrix itself comes from
`quizapp.sharing.server.qr_matrix`, which `quizapp serve` prints in a terminal too."""

from __future__ import annotations

import math
from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import ListProperty
from kivy.uix.widget import Widget

# Modules of white added around qr_matrix's own 2-module border: scanners want 4 in all.
EXTRA_QUIET_MODULES = 2


class QrCode(Widget):
    """A QR code drawn black on white in every theme (phones scan dark modules on light), with
    the quiet zone scanners need. Modules are whole pixels, so their edges stay sharp."""

    matrix = ListProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        self.bind(pos=self._draw, size=self._draw, matrix=self._draw)
        self._draw()

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        if not self.matrix:
            return
        modules = len(self.matrix)
        total = modules + 2 * EXTRA_QUIET_MODULES
        module = max(1, math.floor(min(self.width, self.height) / total))
        side = module * total
        left, bottom = self.center_x - side / 2, self.center_y - side / 2
        inset = EXTRA_QUIET_MODULES * module
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=(round(left), round(bottom)), size=(side, side))
            Rectangle(texture=qr_texture(self.matrix), pos=(round(left) + inset, round(bottom) + inset), size=(modules * module, modules * module))


def qr_texture(matrix: list[list[bool]]) -> Texture:
    """One texel per module, scaled up without smoothing. RGBA keeps every row 4-byte aligned."""
    size = len(matrix)
    # A texture's first row is its bottom row; the matrix starts at the top.
    pixels = b"".join(b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff" for row in reversed(matrix) for dark in row)
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    return texture
