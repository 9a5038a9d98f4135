"""Soft line wraps: a chat reply wrapped in mid-sentence reads on across the break.

A line break ends a sentence when the line before it ends one (。！？…；：), when the next line
starts a list item (1. ① 一、 - ·), or when either line is a labelled field (签收人：驿站代收).
Any other break is where the agent or the chat box wrapped a sentence (「这明摆着是⏎您自己用水不小心⏎
搞出来的」), and becomes a space, so that the sentence is judged whole: its guards see all of it, and
a fragment (「不是我行⏎自己决定的」) is not judged alone.  Same length, character for character.
"""

from __future__ import annotations

import re

_ENDS = frozenset("。！？!?.…；;：:~～—")
_BREAK = re.compile(r"\r?\n")
_ITEM = re.compile(
    r"[ \t\u3000]*(?:[-·•*●○◆◇■□▪►–—]|[①-⑳⑴-⒇]|\d{1,2}[.、．)）]|[一二三四五六七八九十]{1,3}[、.．]"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]|第[一二三四五六七八九十\d]{1,3}[，,、：:])"
)
_FIELD = re.compile(r"[^\d\s][：:]")  # a label and its value: 已上课时:4节 (not a clock's 14:20)


def unwrapped(text: str) -> str:
    """`text` with each soft line break (and its carriage return) made spaces."""
    if "\n" not in text:
        return text
    pieces, last = [], 0
    for found in _BREAK.finditer(text):
        start, end = found.span()
        line_start = text.rfind("\n", 0, start) + 1
        previous = text[line_start:start].rstrip(" \t\u3000")
        line_end = text.find("\n", end)
        following = text[end:line_end if line_end >= 0 else len(text)]
        soft = (previous and previous[-1] not in _ENDS and following.strip() and not _ITEM.match(following)
                and not _FIELD.search(previous) and not _FIELD.search(following))
        if soft:
            pieces += [text[last:start], " " * (end - start)]
            last = end
    return "".join(pieces) + text[last:] if pieces else text
