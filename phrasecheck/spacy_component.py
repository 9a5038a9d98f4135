"""A spaCy pipeline component: violations on `doc.spans["phrasecheck"]`, ready for displaCy.

    nlp = spacy.blank("zh")
    nlp.add_pipe("phrasecheck", config={"pack": "bank-counter"})
    doc = nlp("不归我管，找别人去")
    doc.spans["phrasecheck"][0].label_                 # 'counter-not-my-job-find-others'
    doc.spans["phrasecheck"][0]._.phrasecheck_suggestion
    displacy.render(doc, style="span", options={"spans_key": "phrasecheck"})

The factory is registered when this module is imported, and spaCy imports it by itself through
the `spacy_factories` entry point, so `add_pipe("phrasecheck")` works without the import.
The check runs on `doc.text`; Chinese tokens need not align with a violation, so each span is
widened to the tokens that cover it (`alignment_mode="expand"`), while the character offsets
stay exact in `doc._.phrasecheck`.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from .qa.checker import Checker

SPANS_KEY = "phrasecheck"

for _name in ("phrasecheck_suggestion", "phrasecheck_severity", "phrasecheck_category", "phrasecheck_message"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not Doc.has_extension("phrasecheck"):
    Doc.set_extension("phrasecheck", default=None)


class PhrasecheckComponent:
    """Checks each doc's text with one compiled `Checker` (compiled once, when the pipe is added)."""

    def __init__(self, pack: str = "core", role: str = "agent"):
        self.checker = Checker.load(pack)
        self.role = role

    def __call__(self, doc: Doc) -> Doc:
        result = self.checker.check(doc.text, role=self.role)
        spans = []
        for violation in result.violations:
            span = doc.char_span(violation.start, violation.end, label=violation.rule, alignment_mode="expand")
            if span is None:
                continue
            span._.phrasecheck_suggestion = violation.suggestions[0] if violation.suggestions else None
            span._.phrasecheck_severity = violation.severity
            span._.phrasecheck_category = violation.category
            span._.phrasecheck_message = violation.message
            spans.append(span)
        doc.spans[SPANS_KEY] = spans
        doc._.phrasecheck = result.to_dict()
        return doc


@Language.factory("phrasecheck", default_config={"pack": "core", "role": "agent"})
def make_component(nlp: Language, name: str, pack: str, role: str) -> PhrasecheckComponent:
    return PhrasecheckComponent(pack, role)
