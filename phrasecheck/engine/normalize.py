"""Stage 1: fold text into a matching form and keep a map back to the original.

Folding is a per-character map (NFKC width folding, lower case, 繁→简, variants, skip characters)
compiled into a `str.translate` table (a long text takes it as one numpy gather), followed by
shortening runs of one character to two (「看看看」→「看看」; a pair is a word, as in 妈妈, and
stays).  The common path — a text with no candidate at all — therefore runs at C speed; the
offset map and clause boundaries are only built (`Normalizer.full`) for texts that have a candidate.

A second table (`tables`) maps each folded character to a *phonetic class*: its toneless pinyin with the
usual ASR and regional confusions merged (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing).  Because
the map is one character to one character, phonetic matching is an ordinary string search whose
offsets are the folded text's offsets.

What a per-character table cannot do happens before it, only for texts that need it: words
converted 繁→简 as words (`hant`), and Latin runs that are pinyin or chat initials converted
(`latin`).  Such a text is folded from its `Rewrite`, whose origins lead back to the original.
A space between words of Han characters, which is how transcripts mark a pause, becomes a comma
first (one character for one, so offsets are unchanged).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

from . import hant
from .breaks import CLAUSE_BREAK, CLAUSE_MARK, NO_BREAK, SENTENCE_BREAK, SENTENCE_MARK, boundaries
from .latin import CODE_CONTEXT, LatinRuns, Rewrite, through
from .offsets import OffsetMap
from .tables import (BEYOND_BMP, BEYOND_BMP_CHARACTER, PHONETIC_BASE, PLACEHOLDERS, FlatTable, base_fold_table, char_class,
                     code_point_bits,
                     phonetic_tables, syllable_class)
from .wrapping import paused, unwrapped

# Punctuation that ends a clause or a sentence.  '.' counts as a sentence stop because exports
# (the STC-3 helpdesk corpus among them) fold 。 to ASCII.
CLAUSE_MARKS = frozenset("，,、；;：:")
SENTENCE_MARKS = frozenset("。！？!?.…\n\r")
_RUNS = re.compile("([^\x00\x01])\\1\\1+", re.S)  # `_REPEATS` that leaves marks alone: they separate texts in `fold_many`
_SENTENCE_CHARS = re.compile("[" + re.escape("".join(sorted(SENTENCE_MARKS))) + "]")

_REPEATS = re.compile(r"(.)\1\1+", re.S)  # 3+ → 2: 「看看看」→「看看」, but 「妈妈的」 stays
# A class character in folded text is a *placeholder*: a pinyin syllable typed in Latin letters,
# which matches any character of its class.  Input characters in this range are dropped.
_PLACEHOLDER_RANGE = range(PHONETIC_BASE, PHONETIC_BASE + 0x1000)


@dataclass(slots=True)  # not frozen: built for every check, and frozen init costs a setattr per field
class NormalizedText:
    """Folded text plus everything needed to map a folded span back to the original."""

    original: str
    norm: str
    phon: str
    starts: tuple[int, ...]  # original index of the first character behind norm[i] (empty in a draft)
    ends: tuple[int, ...]  # original index just after the last character behind norm[i]
    breaks: bytes  # breaks[i]: boundary level just before norm[i]; breaks[len(norm)] is the end
    translated: str = ""  # the text through the fold table, boundary marks in, runs not yet shortened
    rewrite: Rewrite | None = None
    edges: frozenset[int] = frozenset()  # positions in norm where a converted Latin run starts or ends

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


_BMP = 0x10000
# Starts with a character class, so re skips to the next letter in C instead of trying every position.
_ASCII_RUNS = re.compile("[A-Za-z][A-Za-z]+")
_DROPPED = "\x02"  # stands for "no character" in the flat fold table (control characters fold away anyway)
_KEEP = object()


def _flat(folded: object) -> str | None:
    """A fold-table value as one character of the flat table; None keeps the character."""
    if folded is _KEEP:
        return None
    if folded is None:
        return _DROPPED
    return folded if len(folded) == 1 else None  # several characters: texts with one use the dict


class Front(NamedTuple):
    base: str  # the text with its soft wraps opened and spoken pauses marked
    first: int  # where its first letter or rare character is (-1: none): nothing before it needs more than the flat table
    rare: re.Match[str] | None  # its first rare character
    rewritten: bool  # whether a word-level rewrite (pinyin typed in letters, 繁→简 by word) may change it


class Skim(NamedTuple):
    original: str
    translated: str
    marked: str  # runs shortened, boundary marks still in
    folded: str
    phon: str
    rewrite: Rewrite | None = None


def paused_source(text: str, base: str) -> tuple[str, Rewrite | None]:
    """`Normalizer.source` of a text whose front rewrote at most its pauses (`base`): the compiled
    front (`_native.quiet_base`) gives such a base too."""
    return base, (None if base is text else Rewrite(base, None, frozenset()))


class Normalizer:
    """Compiled folding and phonetic tables; immutable and shared by every check."""

    def __init__(self, fillers: Iterable[str] = (), variants: Mapping[str, str] | None = None,
                 dialect: Mapping[str, Sequence[str]] | None = None, initials: Mapping[str, str] | None = None):
        table = dict(base_fold_table())
        for cp in _PLACEHOLDER_RANGE:
            del table[cp]  # placeholders fold to themselves; `_rewrite` drops any in the input
        for mark in CLAUSE_MARKS:
            table[ord(mark)] = CLAUSE_MARK  # 「看，看好了」 must not collapse into 「看好了」
        for mark in SENTENCE_MARKS:
            table[ord(mark)] = SENTENCE_MARK
        for source, target in (variants or {}).items():
            table[ord(source)] = target
        for filler in fillers:
            table[ord(filler)] = None
        sounds = "".join(sorted(f for f in fillers if len(f) == 1))
        self._hesitation = re.compile(f"[ \t\u3000](?=[{re.escape(sounds)}][ \t\u3000])") if sounds else None
        self._fold = table
        self._dialect = {word: tuple(dict.fromkeys(forms)) for word, forms in (dialect or {}).items() if forms and word}
        self._dialect_lengths = sorted({len(word) for word in self._dialect}, reverse=True)
        dropped = [cp for cp, v in table.items() if v is None]
        self._dropped = char_class(dropped)
        widened = [cp for cp, v in table.items() if v is not None and len(v) > 1]
        self._widened = char_class(widened)
        letters = [cp for cp, v in table.items() if v and len(v) == 1 and "a" <= v <= "z"] + list(range(97, 123))
        letter = char_class(letters).pattern
        runs = re.compile(f"({letter}{letter}+)|{PLACEHOLDERS.pattern}")  # one letter never converts
        compiled_runs = code_point_bits(letters), _PLACEHOLDER_RANGE[0], _PLACEHOLDER_RANGE[-1]
        self._compatibility = char_class(hant.compatibility_forms())
        self._secondary = char_class(map(ord, hant.secondary()))
        self._contexts = frozenset(context for found in hant.secondary().values() for context in found)
        classes, self._readings = phonetic_tables()
        self._latin = LatinRuns(table, initials or {}, functools.partial(syllable_class, classes), runs, compiled_runs)
        # The classes searched in every text take all of the planes beyond the BMP as one range:
        # listing their few letters and widened characters would make re test each one per character.
        rare = {*hant.triggers(), *_PLACEHOLDER_RANGE, *(cp for cp in widened + letters if 127 < cp < _BMP)}
        self._not_flat = char_class((cp for cp in widened if cp < _BMP), BEYOND_BMP)
        # Characters a text with letters seldom has, letters other than ASCII among them: one search
        # rules them all out, and the runs left to look at are ASCII.
        self._rare = char_class(rare, BEYOND_BMP)
        self._rare_bits = code_point_bits(rare)  # the same for the compiled front (`quiet_source_parts`)
        # One search tells a plain text (the flat table does it all) from one that needs more.
        self._special = char_class(rare, "A-Za-z" + BEYOND_BMP)
        # As bits per BMP code point (`plain_tables`): what the flat tables cannot fold and lone
        # surrogates; and that with what `front` looks at besides (letters, spaces, breaks, rare).
        self._flat_blocked = code_point_bits(itertools.chain((cp for cp in widened if cp < _BMP), range(0xD800, 0xE000)))
        self._plain_blocked = code_point_bits(itertools.chain(rare, range(0xD800, 0xE000), range(ord("A"), ord("Z") + 1),
                                                    range(ord("a"), ord("z") + 1), map(ord, " \t\n\u3000")))
        self._phonetic = {cp: codes[0] for cp, codes in self._readings.items()}
        # The same tables as flat strings over the BMP, indexed by code point: a string lookup
        # touches one contiguous array, where a dict lookup chases scattered objects, which is what
        # a check costs between requests, when the CPU cache holds something else.
        self._fold_flat = FlatTable("".join(_flat(table.get(cp, _KEEP)) or chr(cp) for cp in range(_BMP)))
        self._phonetic_flat = FlatTable("".join(self._phonetic.get(cp) or chr(cp) for cp in range(_BMP)))
        self._dropped_beyond = array("I", sorted(cp for cp in dropped if cp >= _BMP))  # emoji, tags, variation selectors
        self._offset_map = OffsetMap(self._fold_flat.table, _DROPPED, self._dropped,
                                     self._dropped_beyond, self._widened,
                                     code_point_bits(widened), array("I", sorted(cp for cp in widened if cp >= _BMP)))

    def warm(self) -> None:
        """Build the long texts' lookup arrays now, where they serve (`FlatTable.warm`)."""
        self._fold_flat.warm()
        self._phonetic_flat.warm()

    def fold(self, text: str) -> str:
        """The folded form only (lexicon literals are folded with this)."""
        source = self.source(text, self.front(text))[0]
        return _REPEATS.sub(r"\1\1", source.translate(self._fold)).replace(CLAUSE_MARK, "").replace(SENTENCE_MARK, "")

    def fold_many(self, texts: Sequence[str]) -> list[str]:
        """`fold` of each text, for a house word list: the plain ones (no letters, no characters
        needing a word-level rewrite, no sentence marks) through the table in one joined pass."""
        plain = [i for i, t in enumerate(texts) if not self._special.search(t) and not _SENTENCE_CHARS.search(t) and paused(t, self._hesitation) is t]
        joined = "\n".join([texts[i] for i in plain]).translate(self._fold)  # each "\n" a sentence mark
        folded = _RUNS.sub(r"\1\1", joined).replace(CLAUSE_MARK, "").split(SENTENCE_MARK) if plain else []
        result = [""] * len(texts)
        for index, text in zip(plain, folded):
            result[index] = text
        for index in set(range(len(texts))).difference(plain):
            result[index] = self.fold(texts[index])
        return result

    def front(self, text: str) -> Front:
        """What `skim` reads first (`Front`); a text it does not rewrite the flat tables fold whole."""
        base = paused(unwrapped(text), self._hesitation)
        special = self._special.search(base)
        if not special:
            return Front(base, -1, None, False)
        first = special.start()
        rare = self._rare.search(base, first)
        converts = self._latin.any_convert(_ASCII_RUNS.findall(base, first))  # plans every run, with a rare character too
        return Front(base, first, rare, bool(rare) or converts)

    def source(self, text: str, front: Front) -> tuple[str, Rewrite | None]:
        """What the tables fold for `text` (its front's base, rewritten where a rewrite applies),
        and the rewrite a skim of it carries (None when that is `text` itself)."""
        rewrite = self._rewrite(front.base, front.first, front.rare) if front.rewritten else None
        return (rewrite.text, rewrite) if rewrite else paused_source(text, front.base)

    def skim(self, text: str, front: Front | None = None, source: tuple[str, Rewrite | None] | None = None) -> Skim:
        """The phonetic key and what leads to it: all that a message with no candidate needs
        (`front`, `source`: the text's, when the caller has them already)."""
        front = front or self.front(text)
        source, rewrite = source or self.source(text, front)
        flat = front.rare is None or not self._not_flat.search(source, front.first)
        if flat:
            translated = self._fold_flat(source)
            if _DROPPED in translated:
                translated = translated.replace(_DROPPED, "")
        else:
            translated = source.translate(self._fold)
        marked = _REPEATS.sub(r"\1\1", translated) if _REPEATS.search(translated) else translated  # a search is a third of a sub
        folded = marked.replace(CLAUSE_MARK, "").replace(SENTENCE_MARK, "")
        phon = self._phonetic_flat(folded) if flat else folded.translate(self._phonetic)
        return Skim(text, translated, marked, folded, phon, rewrite)

    def _rewrite(self, text: str, first: int, rare: re.Match[str] | None) -> Rewrite | None:
        """Word-level 繁→简 and Latin runs converted (see `latin`), or None when neither applies.
        `first`: where the first letter or rare character is; `rare`: the first rare one."""
        source = hant.by_word(text) if rare and self._needs_by_word(text, rare.start()) else text
        rewrite = self._latin.rewrite(source, first)
        return rewrite or (Rewrite(source, None, frozenset()) if source != text else None)

    def _needs_by_word(self, text: str, start: int) -> bool:
        """Whether word-level 繁→简 may fold `text` otherwise than the per-character table from
        `start` on: a secondary form in a context a phrase converts it in (信号覆盖 needs none),
        or a compatibility ideograph of one."""
        if self._compatibility.search(text, start):
            return True
        contexts = self._contexts
        return any(text[max(0, at - 1):at + 1] in contexts or text[at:at + 2] in contexts
                   for at in (found.start() for found in self._secondary.finditer(text, start)))

    def draft(self, text: str | Skim, offsets: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())) -> NormalizedText:
        """Folded and phonetic text with boundaries but no offset map (unless the plain check
        gives its `offsets`: starts and ends in the text it read).  Enough to verify candidates;
        `with_offsets` adds the offsets only when a candidate may survive."""
        skim = text if isinstance(text, Skim) else self.skim(text)
        return NormalizedText(skim.original, skim.folded, skim.phon, *offsets, boundaries(skim.marked, len(skim.folded)),
                              skim.translated, skim.rewrite)

    def phonetic(self, folded: str) -> str:
        """The phonetic key of a folded text: through the flat table unless a character lies
        beyond the BMP (a dict lookup per character is twenty times slower)."""
        return folded.translate(self._phonetic) if BEYOND_BMP_CHARACTER.search(folded) else self._phonetic_flat(folded)

    def plain_tables(self, flat_base: bool = False) -> tuple[str, str, bytes, str, bytes]:
        """What skims a plain text (`PlainCheck`): the flat fold and phonetic tables, the code
        points that make a text not plain (a bit each), the fold table's dropped character and
        the characters beyond the BMP it drops (emoji: a plain text may hold them), sorted.
        With `flat_base`, for a `source` (letters, pause marks and rare characters in it are plain:
        the flat tables fold all but a character that folds to several)."""
        return (self._fold_flat.table, self._phonetic_flat.table, self._flat_blocked if flat_base else self._plain_blocked,
                _DROPPED, self._dropped_beyond.tobytes())

    def quiet_source_parts(self) -> tuple[bytes, dict, bytes, frozenset[str], str, int, bytes]:
        """What `_native.quiet_base` reads to give a text's `source` where no rewrite applies:
        the rare characters, a bit per BMP code point, the letter runs' plans, the secondary
        繁体 forms (a bit each) with the contexts in which word-level 繁→简 may change them,
        what tells a run of letters that is part of a code (`latin.CODE_CONTEXT`), and the
        characters beyond the BMP the fold drops, which are not rare (`plain_tables`)."""
        return (self._rare_bits, self._latin.plans, code_point_bits(map(ord, hant.secondary())), self._contexts,
                *CODE_CONTEXT, self._dropped_beyond.tobytes())

    def spoken_forms(self, literal: str, limit: int = 48) -> tuple[str, ...]:
        """Regional forms of a rule literal (你找别人去 → 侬找别人去, 你揾第个去…), itself first.

        Words are replaced longest first; when every combination would exceed `limit`, each word
        keeps its first regional form only, and failing that, one word is replaced at a time.
        At most `limit` forms are built, each word looked up by the few lengths the dialect
        words have: linear in the literal.
        """
        pieces: list[tuple[str, ...]] = []
        position = 0
        while position < len(literal):
            word = next((literal[position : position + n] for n in self._dialect_lengths
                         if literal[position : position + n] in self._dialect), None)
            if word is None:
                pieces.append((literal[position],))
                position += 1
            else:
                pieces.append((word, *self._dialect[word]))
                position += len(word)
        if all(len(options) == 1 for options in pieces):
            return (literal,)
        for narrowed in (pieces, [options[:2] for options in pieces]):
            if math.prod(len(options) for options in narrowed) <= limit:
                return tuple(dict.fromkeys("".join(combo) for combo in itertools.product(*narrowed)))
        forms = {literal: None}
        for index, options in enumerate(pieces):
            for form in options[1:]:
                forms["".join(p[0] for p in pieces[:index]) + form + "".join(p[0] for p in pieces[index + 1 :])] = None
                if len(forms) == limit:
                    return tuple(forms)
        return tuple(forms)

    def phonetic_variants(self, folded: str, limit: int = 32) -> tuple[str, ...]:
        """Phonetic keys of a lexicon literal over its characters' alternative readings: a
        character keeps its other readings while the keys stay within `limit`."""
        options: list[tuple[str, ...]] = []
        count = 1
        for ch in folded:
            codes = self._readings.get(ord(ch), (ch,))
            if count * len(codes) > limit:
                codes = codes[:1]
            count *= len(codes)
            options.append(codes)
        return tuple("".join(combo) for combo in itertools.product(*options))

    def full(self, text: str | Skim) -> NormalizedText:
        """Fold `text` (or finish its skim) keeping offsets and clause boundaries; `norm` equals `fold(text)`."""
        return self.with_offsets(self.draft(text))

    def with_offsets(self, draft: NormalizedText) -> NormalizedText:
        """A draft with its offset map: which original characters each folded character stands for
        (the draft itself, filled in, where no rewrite or character folding to several changes it).

        A draft the plain check made carries the offsets it worked out (`draft`'s `offsets`).
        Only a text with a character that folds to several (㎏ → kg) takes the character-by-character
        way (`OffsetMap` otherwise).  A rewritten text is mapped to its rewrite, then through the
        rewrite's origins to the original; the folded positions of a rewrite's edges are found by
        bisection, both maps being sorted.
        """
        rewrite = draft.rewrite
        source = draft.original if rewrite is None else rewrite.text
        mapped = (draft.starts, draft.ends) if draft.starts else self._offset_map(source, draft.translated)
        if mapped is None:  # a character folds to several
            if rewrite is None:
                return self._full_by_character(source)
            mapped = self._full_by_character(source)
        elif rewrite is None or rewrite.origins is None and not rewrite.edges:
            # the draft's folding is the text's, or a rewrite's that keeps every character's place
            # (its pauses marked): the draft takes its offsets in place
            draft.starts, draft.ends = mapped
            return draft
        else:
            mapped = NormalizedText(source, draft.norm, draft.phon, *mapped, draft.breaks, draft.translated)
        starts, ends = mapped.starts, mapped.ends
        edges = frozenset(i for edge in rewrite.edges for i in (
            *range(bisect_left(starts, edge), bisect_right(starts, edge)),  # a folded character starts there
            *range(bisect_left(ends, edge) + 1, bisect_right(ends, edge) + 1)))  # or the one before it ends there
        if rewrite.origins is not None:
            starts, ends = through(rewrite.origins, len(rewrite.text), starts, ends)
        return NormalizedText(draft.original, mapped.norm, mapped.phon, starts, ends, mapped.breaks, mapped.translated,
                              rewrite, edges)

    def _full_by_character(self, text: str) -> NormalizedText:
        fold = self._fold
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        breaks = bytearray([SENTENCE_BREAK])
        pending = NO_BREAK
        clause_start = 0  # runs are shortened within a clause only, as in `draft`
        for index, ch in enumerate(text):
            mapped = fold.get(ord(ch), ch)
            if mapped is None:
                continue
            if mapped == CLAUSE_MARK or mapped == SENTENCE_MARK:
                pending = max(pending, SENTENCE_BREAK if mapped == SENTENCE_MARK else CLAUSE_BREAK)
                clause_start = len(out)
                continue
            for folded_char in mapped:
                if len(out) - clause_start >= 2 and out[-1] == out[-2] == folded_char:
                    ends[-1] = index + 1
                    continue
                breaks[-1] = max(breaks[-1], pending)
                out.append(folded_char)
                starts.append(index)
                ends.append(index + 1)
                breaks.append(NO_BREAK)
            pending = NO_BREAK
        breaks[-1] = SENTENCE_BREAK
        norm = "".join(out)
        return NormalizedText(
            original=text,
            norm=norm,
            phon=self.phonetic(norm),
            starts=tuple(starts),
            ends=tuple(ends),
            breaks=bytes(breaks),
            translated=text.translate(fold),
        )
