"""Minimal plotting into numpy RGB arrays (matplotlib is not available to the Debian interpreter used here): a 5x7
bitmap font, scatter panels with axes and lines, bar charts. Written to PNG with phantoms.preview.write_png.
Only what the diagnosis figures need; not a general library."""
from __future__ import annotations

import numpy as np

# 5x7 glyphs, rows top to bottom ("1" = ink). Lower-case text is drawn in upper case.
_FONT = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01110", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    ".": "00000 00000 00000 00000 00000 01100 01100", ",": "00000 00000 00000 00000 01100 00100 01000",
    "-": "00000 00000 00000 11111 00000 00000 00000", "+": "00000 00100 00100 11111 00100 00100 00000",
    "=": "00000 00000 11111 00000 11111 00000 00000", "/": "00001 00010 00010 00100 01000 01000 10000",
    "%": "11001 11010 00010 00100 01000 01011 10011", ":": "00000 01100 01100 00000 01100 01100 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "<": "00010 00100 01000 10000 01000 00100 00010", ">": "01000 00100 00010 00001 00010 00100 01000",
    "_": "00000 00000 00000 00000 00000 00000 11111", "'": "00100 00100 01000 00000 00000 00000 00000",
    " ": "00000 00000 00000 00000 00000 00000 00000",
}
_GLYPH = {k: np.array([[c == "1" for c in row] for row in v.split()], bool) for k, v in _FONT.items()}

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (150, 150, 150)
LIGHT = (225, 225, 225)


def text(img: np.ndarray, s: str, x: int, y: int, colour=BLACK, cell: int = 1, anchor: str = "left") -> None:
    """Draw s with its top-left corner at (x, y) (anchor "centre": x is the middle, "right": x is the right end)."""
    s = s.upper()
    width = (6 * len(s) - 1) * cell
    if anchor == "centre":
        x -= width // 2
    elif anchor == "right":
        x -= width
    for n, ch in enumerate(s):
        g = np.kron(_GLYPH.get(ch, _GLYPH[" "]), np.ones((cell, cell), bool))
        x0 = x + 6 * cell * n
        ys, xs = np.nonzero(g)
        ys, xs = ys + y, xs + x0
        ok = (ys >= 0) & (ys < img.shape[0]) & (xs >= 0) & (xs < img.shape[1])
        img[ys[ok], xs[ok]] = colour


def line(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour=BLACK, dashed: bool = False) -> None:
    n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    t = np.linspace(0.0, 1.0, n)
    xs = np.round(x0 + (x1 - x0) * t).astype(int)
    ys = np.round(y0 + (y1 - y0) * t).astype(int)
    keep = (ys >= 0) & (ys < img.shape[0]) & (xs >= 0) & (xs < img.shape[1])
    if dashed:
        keep &= (np.arange(n) // 4) % 2 == 0
    img[ys[keep], xs[keep]] = colour


def rect(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour) -> None:
    x0, x1 = sorted((int(round(x0)), int(round(x1))))
    y0, y1 = sorted((int(round(y0)), int(round(y1))))
    img[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = colour


class Axes:
    """A data rectangle inside img: (left, top, width, height) in pixels, data limits xlim, ylim."""

    def __init__(self, img, box, xlim, ylim, title="", xlabel="", ylabel="", xticks=(), yticks=(), fmt="{:g}"):
        self.img, self.box, self.xlim, self.ylim = img, box, xlim, ylim
        left, top, w, h = box
        rect(img, left, top, left + w, top + h, WHITE)
        for t in yticks:
            y = self.py(t)
            line(img, left, y, left + w, y, LIGHT)
            text(img, fmt.format(t), left - 3, int(y) - 3, anchor="right")
        for t in xticks:
            x = self.px(t)
            line(img, x, top, x, top + h, LIGHT)
            text(img, fmt.format(t), int(x), top + h + 4, anchor="centre")
        for (a, b, c, d) in ((left, top, left + w, top), (left, top + h, left + w, top + h),
                             (left, top, left, top + h), (left + w, top, left + w, top + h)):
            line(img, a, b, c, d, BLACK)
        if title:
            text(img, title, left + w // 2, top - 12, anchor="centre")
        if xlabel:
            text(img, xlabel, left + w // 2, top + h + 16, anchor="centre")
        if ylabel:
            text(img, ylabel, left, top - 24)

    def px(self, x):
        left, _, w, _ = self.box
        return left + (np.asarray(x, float) - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * w

    def py(self, y):
        _, top, _, h = self.box
        return top + h - (np.asarray(y, float) - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * h

    def inside(self, x, y):
        left, top, w, h = self.box
        return (x >= left) & (x <= left + w) & (y >= top) & (y <= top + h)

    def scatter(self, x, y, colour, r: int = 1):
        px, py = self.px(x), self.py(y)
        ok = self.inside(px, py)
        for a, b in zip(np.round(px[ok]).astype(int), np.round(py[ok]).astype(int)):
            self.img[max(b - r, 0):b + r + 1, max(a - r, 0):a + r + 1] = colour

    def line(self, x0, y0, x1, y1, colour=BLACK, dashed=False):
        # clip to the data box by sampling
        t = np.linspace(0.0, 1.0, 400)
        xs, ys = self.px(x0 + (x1 - x0) * t), self.py(y0 + (y1 - y0) * t)
        ok = self.inside(xs, ys)
        if dashed:
            ok &= (np.arange(t.size) // 6) % 2 == 0
        self.img[np.round(ys[ok]).astype(int), np.round(xs[ok]).astype(int)] = colour

    def bars(self, values_list, colours, labels, width: float = 0.8):
        """Grouped bars: values_list[g][i] is series g at category i (category i at x = i)."""
        ng = len(values_list)
        for g, (vals, col) in enumerate(zip(values_list, colours)):
            for i, v in enumerate(vals):
                if v is None or not np.isfinite(v):
                    continue
                x0 = i - width / 2 + g * width / ng
                x1 = x0 + width / ng
                rect(self.img, self.px(x0), self.py(min(max(v, self.ylim[0]), self.ylim[1])),
                     self.px(x1) - 1, self.py(max(0.0, self.ylim[0])), col)
        left, top, w, h = self.box
        for i, lab in enumerate(labels):
            text(self.img, lab, int(self.px(i)), top + h + 4, anchor="centre")


def canvas(width: int, height: int) -> np.ndarray:
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (245, 245, 245)
    return img
