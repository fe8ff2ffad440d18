"""CSV text for whole numpy columns at once, without a Python loop over rows.

Each column becomes a character matrix (rows, width) of uint8 plus a mask of the characters that
belong to the cell (numbers are right-aligned in their matrix, text is left-aligned). Joining the
matrices side by side with ',' and '\\n' columns and keeping the masked characters in row-major
order gives the CSV bytes: about ten times faster than formatting row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Cell = tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]
_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)


def _digits(v: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.uint8]:
    """(N,) non-negative ints -> (N, width) ASCII digits, zero-padded on the left."""
    out = np.empty((width, len(v)), np.uint8)
    for j in range(width - 1, -1, -1):  # one pass per digit over the whole column
        v, d = np.divmod(v, 10)
        out[j] = d
    out += 48
    return out.T


def fixed(x: npt.ArrayLike, decimals: int) -> Cell:
    """Numbers with a fixed number of decimals ('-12.50'); NaN and inf give an empty cell."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    blank = ~np.isfinite(x)
    scaled = np.rint(np.abs(np.where(blank, 0.0, x)) * 10.0**decimals).astype(np.int64)
    unit = 10**decimals
    ip, fp = np.divmod(scaled, unit)
    nd = 1 + np.searchsorted(_POW10, ip, side="right")  # digits of the integer part
    w = int(nd.max()) if n else 1
    int_chars = _digits(ip, w)
    int_keep = np.arange(w)[None, :] >= (w - nd)[:, None]
    sign = np.full((n, 1), ord("-"), np.uint8)
    sign_keep = ((x < 0) & (scaled > 0))[:, None]
    parts = [sign, int_chars]
    keeps = [sign_keep, int_keep]
    if decimals > 0:
        parts += [np.full((n, 1), ord("."), np.uint8), _digits(fp, decimals)]
        keeps += [np.ones((n, 1), bool), np.ones((n, decimals), bool)]
    chars = np.concatenate(parts, axis=1)
    keep = np.concatenate(keeps, axis=1) & ~blank[:, None]
    return chars, keep


def integer(x: npt.ArrayLike) -> Cell:
    """Whole numbers."""
    return fixed(np.asarray(x, dtype=np.float64), 0)


def hex6(ident: npt.ArrayLike) -> Cell:
    """24-bit addresses as 6 lowercase hex digits; negative values give an empty cell."""
    v = np.asarray(ident, dtype=np.int64)
    nib = (np.maximum(v, 0)[:, None] >> (4 * np.arange(5, -1, -1))) & 0xF
    chars = np.where(nib < 10, nib + 48, nib + 87).astype(np.uint8)
    keep = np.repeat((v >= 0)[:, None], 6, axis=1)
    return chars, keep


def text(values: npt.ArrayLike) -> Cell:
    """ASCII strings (a numpy str/bytes array or a sequence of str); no commas or quotes expected."""
    b = np.asarray(values).astype("S")
    n = len(b)
    w = max(b.dtype.itemsize, 1)
    chars = np.frombuffer(b.tobytes(), np.uint8).reshape(n, w) if n else np.zeros((0, w), np.uint8)
    return chars, chars != 0


def category(codes: npt.ArrayLike, labels: Sequence[str]) -> Cell:
    """Labels picked by integer code (sensor ids, kinds): formats the few labels once."""
    chars, keep = text(np.array(list(labels)))
    c = np.asarray(codes, dtype=np.int64)
    return chars[c], keep[c]


def rows(cells: Sequence[Cell]) -> bytes:
    """Join columns into CSV lines (each ending with a newline)."""
    n = len(cells[0][0])
    if n == 0:
        return b""
    comma = (np.full((n, 1), ord(","), np.uint8), np.ones((n, 1), bool))
    newline = (np.full((n, 1), ord("\n"), np.uint8), np.ones((n, 1), bool))
    parts: list[Cell] = []
    for i, c in enumerate(cells):
        if i:
            parts.append(comma)
        parts.append(c)
    parts.append(newline)
    chars = np.concatenate([p[0] for p in parts], axis=1)
    keep = np.concatenate([p[1] for p in parts], axis=1)
    return chars[keep].tobytes()


__all__ = ["Cell", "category", "fixed", "hex6", "integer", "rows", "text"]
