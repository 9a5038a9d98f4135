"""A plain message with nothing to flag, answered in one compiled call.

Two messages in five are plain (no letters, spaces, line breaks or rare characters: the flat
tables fold them) and have neither a plausible hit nor a sentence the category model could flag.
The Python path tells so through a dozen calls (`Normalizer.skim`, `Matcher.find`,
`SentenceClassifier.candidates`), which was half of their time; `PlainCheck` (`_plain.c`) makes
the same steps in C, calling the same compiled scan, first tests and bounds, and hands any other
text back: None when it is not plain, else the skim's pieces and the hits, to go on with.  Where
the extension is not compiled, or a part is not (a list spelled apart, a model too wide for the
table), there is none and every text takes the Python path, with the same answers.
"""

from __future__ import annotations

try:
    from ._native import PlainCheck
except ImportError:  # not compiled: the Python path serves every text
    PlainCheck = None


def plain_check(normalizer, matcher, classifier):
    """The `PlainCheck` of these parts, or None where one of them is not compiled."""
    if PlainCheck is None:
        return None
    find = matcher.compiled_find()
    bounds = classifier.compiled_bounds() if classifier is not None else (None, (), None, (), 0)
    if find is None or bounds is None:
        return None
    return PlainCheck(*normalizer.plain_tables(), *find, *bounds)
