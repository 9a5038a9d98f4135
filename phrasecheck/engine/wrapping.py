"""Soft line wraps and spoken pauses: how a text's layout marks (or does not mark) its clauses.

A chat reply wrapped in mid-sentence reads on across the break.

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


# A space between words of Han characters is a pause: how ASR transcripts and hurried chat mark
# clauses (「我都跟你说过两遍了 你到底听没听 嗯 请您保持电话畅通」).  Not between two single
# characters, so text spaced out character by character (「不 归 我 管」) stays one clause.  A pause
# is a clause, not a sentence, even in a transcript without punctuation: there a 不好意思 one pause
# before a referral is still said with it (tried: pauses as sentence ends in such transcripts
# caught one more line in 1,690 and falsely flagged one of 428 written blind).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The first space of each pause (the others stay spaces, which fold away).
# The space first, then what lies around it: re then skips to the next space in C, where a
# lookbehind first tried every position (20 µs for 500 characters, 3 µs so).
_SPOKEN_PAUSE = re.compile(f"[ \t\u3000](?:(?<=[{_HAN}][{_HAN}][ \t\u3000])(?=[ \t\u3000]*[{_HAN}])"
                           f"|(?<=[{_HAN}][ \t\u3000])(?=[ \t\u3000]*[{_HAN}]{{2}}))")
_PAUSE_MARK = "，"  # folds to the clause mark
_SPACES = re.compile("[ \t\u3000]+")
# A transcript whose spaces part words, not phrases (「我们 看 下一个 问题 您 刚才 说 的」), has
# stretches this short on average: there a space is no pause.  At 3, calls spaced in two- and
# three-character phrases (「你退不退 关我啥事」) lost their pauses too, and with them half their hits.
_WORD_SPACED = 2.5


def paused(text: str, hesitation: re.Pattern | None = None) -> str:
    """`text` with each spoken pause's first space made a comma: the same length, character for
    character.  In a text spaced word by word only a hesitation standing alone (` 嗯 `, the pack's
    one-character fillers: `hesitation`) is a pause, so 「您 说 不能 贷 嗯 那 是 您 自己 没 听 明白」
    reports the customer up to the 嗯, not to its end."""
    if " " not in text and "\t" not in text and "\u3000" not in text:
        return text
    if _spaced_by_word(text):
        return hesitation.sub(_PAUSE_MARK, text) if hesitation is not None and hesitation.search(text) else text
    return _SPOKEN_PAUSE.sub(_PAUSE_MARK, text)


def word_spaced(text: str) -> bool:
    """Whether `text` is a transcript spaced word by word, where a space is no pause."""
    return (" " in text or "\t" in text or "\u3000" in text) and _spaced_by_word(text)


def _spaced_by_word(text: str) -> bool:
    text = text.strip()
    spaces = text.count(" ") + text.count("\t") + text.count("\u3000")
    if len(text) - spaces >= _WORD_SPACED * (spaces + 1):  # too few spaces for short stretches, however they fall
        return False
    stretches = _SPACES.split(text)
    return sum(map(len, stretches)) < _WORD_SPACED * len(stretches)
