"""The rule pattern language: ordered elements with alternatives and bounded gaps.

    [不归我管|不是我管的] … [找别人|找别的部门]      two elements, up to 6 characters apart
    下一个 $                                         `$`/`^`: a clause boundary after/before
    [你]? 自己 …3 [去看|看]                          `?` optional element, `…N` gap of at most N
    {second_person} …2 {insult}                      `{name}`: every word of a pack's word class

Word classes (`classes:` in a pack) keep category vocabulary in one place: a class edit widens
every pattern that names it, in `[a|{name}]` alternatives too.

Adjacent elements must touch in the folded text (skip characters are already gone).  The language
has no repetition and no backtracking beyond "nearest occurrence", so matching is linear in the
text; a user cannot write a pattern that hangs the engine.  Its size is bounded too (`limits`):
elements, alternatives, gaps, a word's length and the words a pattern holds once its classes are
filled in.  Brackets do not nest: `[[a|b]|c]` is an error, not the literal words `[a` and `b]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .limits import limits, shown

DEFAULT_GAP = 6
_GAP = re.compile(r"^(?:…|\.\.\.)(\d+)?$")
_CLASS_REF = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")


class PatternSyntaxError(ValueError):
    """A pattern string that cannot be compiled; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class ElementSpec:
    alternatives: tuple[str, ...]
    optional: bool = False
    gap_before: int = 0  # most characters allowed between the previous element and this one
    break_before: bool = False
    break_after: bool = False


def class_names(source: str) -> set[str]:
    """The word classes a pattern refers to."""
    return set(re.findall(r"\{([a-z][a-z0-9_]*)\}", source))


def parse_pattern(source: str, classes: Mapping[str, Sequence[str]] | None = None) -> tuple[ElementSpec, ...]:
    """Parse `source`; `{name}` references are expanded from `classes`, or only checked for form
    when `classes` is None (a pack validated on its own, before the packs it extends are known)."""
    tokens = source.replace("…", " … ").split()
    # Re-attach a gap count written as "… 3" or "…3".
    merged: list[str] = []
    for token in tokens:
        if merged and merged[-1] in ("…", "...") and token.isdigit():
            merged[-1] += token
        else:
            merged.append(token)

    bounds = limits()
    elements: list[ElementSpec] = []
    gap = 0
    words = 0
    break_pending = False
    for token in merged:
        gap_match = _GAP.match(token)
        if gap_match:
            if not elements:
                raise PatternSyntaxError(f"gap {shown(token)} before the first element")
            written = gap_match.group(1)
            if written and (len(written) > 9 or int(written) > bounds.gap):
                raise PatternSyntaxError(f"gap {shown(token)} is larger than allowed; {bounds.expected('gap', ' characters')}")
            gap = int(written) if written else DEFAULT_GAP
            continue
        if token == "^":
            break_pending = True
            continue
        if token == "$":
            if not elements:
                raise PatternSyntaxError("'$' before the first element")
            last = elements[-1]
            elements[-1] = ElementSpec(last.alternatives, last.optional, last.gap_before, last.break_before, True)
            continue
        optional = token.endswith("?")
        body = token[:-1] if optional else token
        if body.startswith("["):
            if not body.endswith("]"):
                raise PatternSyntaxError(f"unclosed '[' in {shown(token)}")
            body = body[1:-1]
            if "[" in body or "]" in body:
                raise PatternSyntaxError(f"brackets do not nest: {shown(token)} (write one list, [a|b|c])")
        elif "[" in body or "]" in body or "|" in body:
            raise PatternSyntaxError(f"alternatives must be written as [a|b]: {shown(token)}")
        written = body.split("|")
        if not written or any(not a for a in written):
            raise PatternSyntaxError(f"empty alternative in {shown(token)}")
        if len(written) > bounds.alternatives:
            raise PatternSyntaxError(f"{len(written):,} alternatives in one element; {bounds.expected('alternatives')}")
        longest = max(written, key=len)
        if len(longest) > bounds.phrase_chars:
            raise PatternSyntaxError(f"the word {shown(longest)} has {len(longest):,} characters; "
                                     f"{bounds.expected('phrase_chars', ' characters')}")
        if len(elements) == bounds.pattern_elements:
            raise PatternSyntaxError(f"too many elements; {bounds.expected('pattern_elements')}")
        alternatives = tuple(dict.fromkeys(_expand(written, classes, token)))
        words += len(alternatives)
        if words > bounds.pattern_words:
            raise PatternSyntaxError(f"too many words once its word classes are filled in; {bounds.expected('pattern_words')}")
        elements.append(ElementSpec(alternatives, optional, gap, break_pending, False))
        gap = 0
        break_pending = False

    if break_pending:
        raise PatternSyntaxError("'^' after the last element")
    if not elements:
        raise PatternSyntaxError("a pattern needs at least one element")
    if all(e.optional for e in elements):
        raise PatternSyntaxError("a pattern needs at least one element that is not optional")
    return tuple(elements)


def _expand(written: Sequence[str], classes: Mapping[str, Sequence[str]] | None, token: str) -> list[str]:
    words: list[str] = []
    for alternative in written:
        reference = _CLASS_REF.match(alternative)
        if reference is None:
            if "{" in alternative or "}" in alternative:
                raise PatternSyntaxError(f"a word class is written {{name}} (a-z, 0-9, _): {shown(token)}")
            words.append(alternative)
        elif classes is None:
            words.append(alternative)  # form checked; expanded once the pack's classes are known
        elif reference.group(1) not in classes:
            known = ", ".join(sorted(classes)) or "none"
            raise PatternSyntaxError(f"unknown word class {shown(alternative)} (known: {known[:200]})")
        else:
            words.extend(classes[reference.group(1)])
    return words
