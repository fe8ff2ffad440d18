"""How airpicture compiles its kernels with numba, in one place for every stage.

cache: compiled code is kept next to the source, so a run loads it (~0.3 s) instead of compiling
(~30 s on a fresh machine); nogil: a kernel releases the GIL, so stages in two threads overlap;
error_model numpy: a division by zero gives inf / nan, which the callers check and count,
instead of raising inside a kernel.
"""

from __future__ import annotations

import numba as nb

jit = nb.njit(cache=True, nogil=True, error_model="numpy")

__all__ = ["jit"]
