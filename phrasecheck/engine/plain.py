"""A plain message with nothing to flag, answered in one compiled call.

Two messages in five are plain (no letters, spaces, line breaks or rare characters: the flat
tables fold them) and have neither a hit that verification keeps nor a sentence the category
model could flag.
The Python path tells so through a dozen calls (`Normalizer.skim`, `Matcher.find`,
`SentenceClassifier.candidates`), which was half of their time; `PlainCheck` (`_plain.c`) makes
the same steps in C, calling the same compiled scan, first tests and bounds.  It scores the
sentences the model's bounds let through (`GramTable.candidates`: most score below the
threshold) and verifies each plausible hit once with its pattern's compiled `match_at`
(`_hits.c`: a text whose hits all fail there and whose bounded sentences all score below, one in
eight on STC-3, ends in it too), and hands any other text back: None when it is not plain, else
the skim's pieces, the hits, the model's bounds and its candidates, and what each hit's
verification found (`Matcher.verify` builds its candidates from it), to go on with.  A
text with letters, spaces or rare characters takes it too, once `Normalizer.source` has marked
its pauses and made its rewrite (pinyin typed in letters, 繁→简 by word; whether there is one
counts the syllables typed in pinyin a match holds): a third of all messages.  Most of those
need only their pauses marked, which `_native.quiet_base` does in one pass (`_front.c`), called
by the first check itself, which then hands the text to the second; the others (line breaks,
spaced word by word, a rewrite) read their front in Python.  A pack with a list
spelled apart passes the matcher's own `find`.  Where the extension is not compiled, or a part
is not (a model too wide for the table), there is none and every text takes the Python path,
with the same answers.
"""

from __future__ import annotations

from functools import partial

try:
    from ._native import PlainCheck, quiet_base
except ImportError:  # not compiled: the Python path serves every text
    PlainCheck = quiet_base = None


def plain_checks(normalizer, matcher, classifier):
    """The `PlainCheck` of a text as it comes, which also clears a text that needs only its pauses
    marked (`_native.quiet_base`) through the second, and the `PlainCheck` of a `Normalizer.source`
    (letters, spaces, rare characters: folded whole by the flat tables once its pauses are marked
    and its rewrite made); or None where a part is not compiled."""
    if PlainCheck is None:
        return None
    find = matcher.compiled_find()
    bounds = classifier.compiled_bounds() if classifier is not None else (None, (), None, (), 0, None)
    if find is None or bounds is None:
        return None
    flat = PlainCheck(*normalizer.plain_tables(flat_base=True), *find, *bounds)
    return PlainCheck(*normalizer.plain_tables(), *find, *bounds, partial(quiet_base, *normalizer.quiet_source_parts()), flat), flat
