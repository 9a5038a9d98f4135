"""The spaCy component: violations as spans a spaCy user (and displaCy) can use."""

from __future__ import annotations

import subprocess
import sys

import pytest

spacy = pytest.importorskip("spacy")
from spacy import displacy  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    import phrasecheck.spacy_component  # noqa: F401  - registers the factory explicitly

    nlp = spacy.blank("zh")  # the character segmenter: no model download
    nlp.add_pipe("phrasecheck", config={"pack": "bank-counter"})
    return nlp


def test_violations_are_spans_labelled_with_the_rule(nlp):
    text = "您好，这个业务不归我管，找别人去吧。"
    doc = nlp(text)
    [span] = doc.spans["phrasecheck"]
    assert span.label_ == "counter-not-my-job-find-others"
    assert span.text == "不归我管，找别人去"
    assert span._.phrasecheck_severity == "error"
    assert span._.phrasecheck_category == "推诿"
    assert span._.phrasecheck_suggestion == "请您到××柜台(部门)办理"
    assert "首问负责" in span._.phrasecheck_message
    result = doc._.phrasecheck
    assert result["decision"] == "block" and result["lexicon"]["pack"] == "bank-counter"
    violation = result["violations"][0]
    assert text[violation["start"]:violation["end"]] == "不归我管，找别人去"


def test_a_polite_doc_has_no_spans(nlp):
    doc = nlp("您好，请问您需要办理什么业务？")
    assert list(doc.spans["phrasecheck"]) == []
    assert doc._.phrasecheck["decision"] == "pass"


def test_spans_cover_whole_tokens_when_a_hit_cuts_one(nlp):
    # the char segmenter makes one token per character; a coarser segmentation cuts through the hit
    words = ["这个", "业务不归我", "管，找别", "人去吧"]
    doc = spacy.tokens.Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    doc = nlp.get_pipe("phrasecheck")(doc)
    [span] = doc.spans["phrasecheck"]
    assert span.text == "业务不归我管，找别人去吧"  # expanded to the tokens around the hit
    assert doc._.phrasecheck["violations"][0]["matched"] == "不归我管，找别人去"


def test_displacy_renders_the_spans(nlp):
    doc = nlp("急什么，没看见我正忙吗？")
    html = displacy.render(doc, style="span", options={"spans_key": "phrasecheck"}, page=False)
    assert "counter-why-rush-im-busy" in html
    assert "急" in html and "忙" in html


def test_the_factory_is_found_through_the_entry_point_without_importing_it():
    code = (
        "import sys, spacy\n"
        "nlp = spacy.blank('zh')\n"
        "nlp.add_pipe('phrasecheck', config={'pack': 'bank-counter'})\n"
        "doc = nlp('你办啥')\n"
        "print([s.label_ for s in doc.spans['phrasecheck']], 'phrasecheck.spacy_component' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['counter-what-do-you-want'] True"  # imported by spaCy, not by us
