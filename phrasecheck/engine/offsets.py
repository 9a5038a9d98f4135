"""Where each character of a folded text comes from in the text it was folded from: the offset
map `Normalizer.with_offsets` adds to a draft once a candidate may survive, so that a violation
can point at the original characters.

The folded text is the original with each character folded one to one and the dropped ones
gone (spaces, punctuation, emoji…), then without its boundary marks, and with each run of three
or more of one character cut to two, the second standing for the rest of the run.  The compiled
`_native.offsets` works that out character by character (a few microseconds for 500 characters);
without it, Python does it a stretch at a time (~60 µs for 500 characters): the same map.
"""

from __future__ import annotations

import re
from array import array

try:
    from ._native import offsets as _compiled
except ImportError:  # not compiled (no C compiler at install time): the Python below serves
    _compiled = None

_MARKS_AND_RUNS = re.compile("[\x00\x01]|(.)\\1\\1+", re.S)  # marks first: a run of marks is marks
_NEXT = (1).__add__


class OffsetMap:
    def __init__(self, flat_table: str, dropped_mark: str, dropped: re.Pattern[str], dropped_beyond: array,
                 widened: re.Pattern[str], widened_bits: bytes, widened_beyond: array):
        """`flat_table`: the fold over the BMP, `dropped_mark` where a character is dropped;
        `dropped`: the class of every dropped character; `dropped_beyond`: those beyond the BMP,
        sorted (array of code points); `widened`: the class of the characters that fold to
        several, as a bit per BMP code point and, beyond it, sorted (`widened_bits`, `widened_beyond`)."""
        self._flat, self._mark, self._dropped, self._beyond = flat_table, dropped_mark, dropped, dropped_beyond
        self._widened, self._widened_bits, self._widened_beyond = widened, widened_bits, widened_beyond

    def __call__(self, text: str, translated: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """(starts, ends): the original span of each folded character of `translated`, the fold
        of `text` with its dropped characters gone; None when a character of `text` folds to several."""
        if _compiled is not None:
            return _compiled(text, translated, self._flat, self._mark, self._beyond, self._widened_bits, self._widened_beyond)
        if self._widened.search(text):
            return None
        if len(translated) == len(text):
            origin: range | list[int] = range(len(text))
        else:
            origin = []
            kept_from = 0
            for dropped in self._dropped.finditer(text):
                origin.extend(range(kept_from, dropped.start()))
                kept_from = dropped.end()
            origin.extend(range(kept_from, len(text)))
        starts: list[int] = []
        last_of_run: list[tuple[int, int]] = []  # (folded index, original end) where a run ends
        position = 0
        for found in _MARKS_AND_RUNS.finditer(translated):
            begin, end = found.span()
            starts.extend(origin[position:begin])
            if found.group(1) is not None:  # 3+ of a character → 2, the second standing for the rest
                starts.extend((origin[begin], origin[begin + 1]))
                last_of_run.append((len(starts) - 1, origin[end - 1] + 1))
            position = end
        starts.extend(origin[position:])
        ends = list(map(_NEXT, starts))  # one original character each, but a run's last stands for the rest
        for index, end in last_of_run:
            ends[index] = end
        return tuple(starts), tuple(ends)
