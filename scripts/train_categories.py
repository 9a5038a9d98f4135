"""Train the category model shipped in phrasecheck/data/models/ (the statistical second stage).

    pip install -e '.[train]'
    python scripts/train_categories.py [--corpus ../shared/corpora/stc3_weibo_helpdesk_zh/utterances.jsonl]

Positives and hard negatives are the written examples in training/categories/*.jsonl
({"text", "expect": flag|clean, "category"}; `heldout-read.jsonl` holds the blind sets' lines once
they were read: their short flag lines whose category maps to the model's, and all their clean lines) and the bundled packs' own rule examples (a category
family's flag examples are positives of its category, every rule's clean examples negatives);
real agent replies (the STC-3 helpdesk corpus, agent side) are negatives.  Texts are folded and
split into sentences exactly as the engine does, features are the character bigrams and trigrams
of a sentence (present or not), and two linear models are fitted: violation or not, and which
category (on the violations only, over the same features).  Both are L2-regularised: a sentence in
new words shares only a few n-grams with the examples, and an L1 fit kept too few of them (about
1,200) for those few to count; n-grams whose weights are all near zero are left out of the file.
A fifth of everything is held out to report recall and the false-flag rates per threshold; the
shipped model is then fitted on everything (fitted on four fifths, which fifth was left out moved
single lines across the threshold from seed to seed).  A clean text's runs of clauses, which the
engine scores in a sentence too long to score whole, are negatives beside its sentences.

`--phonetic` trains the model's twin over sounds instead (`categories.phonetic.json`): every
character is replaced by its reading's phonetic class, as the engine replaces typed pinyin
(「ni zi ji kan」), so that a sentence typed in Latin letters is scored by what it says.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from phrasecheck.engine.regions import Regions
from phrasecheck.lexicon import available_packs
from phrasecheck.qa.checker import Checker

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"
OUT = ROOT / "phrasecheck" / "data" / "models" / "categories.json"


def sentences(normalizer, text: str) -> list[str]:
    """A text's folded sentences, cut exactly as the engine cuts them before scoring."""
    draft = normalizer.draft(text)
    return [draft.norm[a:b] for a, b in Regions(draft).sentences()]


def windows(checker, text: str) -> list[str]:
    """The runs of clauses the engine scores in a sentence too long to score whole (a call
    transcribed without stops): a clean call's runs are negatives as the engine reads them,
    not only its whole sentences, which the model never scores."""
    classifier = checker.sentence_classifier
    if classifier is None or not classifier.window_chars:
        return []
    skim = checker.normalizer.skim(text)
    return [skim.folded[a:b] for a, b in classifier.windows(skim.marked)]


def sounds(normalizer, sentences: list[str]) -> list[str]:
    """Folded sentences as the phonetic classes of their characters (typed pinyin's form)."""
    return [normalizer.phonetic(sentence) for sentence in sentences]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--c", type=float, default=1.5,
                        help="inverse regularisation strength of the violation model (2.0 until the twelfth session:"
                             " with its 1,090 new lines it flagged 2 more clean read lines, 1.5 none)")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 share of the regularisation (1 keeps fewest features)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phonetic", action="store_true", help="train the twin over sounds (categories.phonetic.json)")
    parser.add_argument("--min-weight", type=float, default=0.1,
                        help="n-grams whose weights are all smaller than this are left out of the shipped file "
                             "(0.1 keeps about 50,000: each one costs the cold start a little)")
    args = parser.parse_args(argv)
    checker = Checker.load([str(p) for p in available_packs().values()], verify_examples=False)
    normalizer = checker.normalizer
    rng = random.Random(args.seed)

    written = [json.loads(l) for f in sorted((ROOT / "training" / "categories").glob("*.jsonl"))
               for l in f.read_text(encoding="utf-8").splitlines() if l.strip()]
    positives = [(normalizer.fold(r["text"]), r["category"]) for r in written if r["expect"] == "flag"]
    cleans = [s for r in written if r["expect"] == "clean" for s in sentences(normalizer, r["text"]) + windows(checker, r["text"])]
    families = set(checker.classifier_config.rules.values()) if checker.classifier_config else set()
    for compiled in checker.rules:
        rule = compiled.rule
        if rule.id in families:
            positives += [(normalizer.fold(example), rule.category) for example in rule.examples.flag]
        cleans += [s for example in rule.examples.clean for s in sentences(normalizer, example) + windows(checker, example)]
    real = []
    if args.corpus.exists():
        for line in args.corpus.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["role"] == "agent":
                real.extend(sentences(normalizer, row["text"]) + windows(checker, row["text"]))
    else:
        print(f"corpus not found at {args.corpus}: training without real replies", file=sys.stderr)
    if args.phonetic:
        positives = list(zip(sounds(normalizer, [t for t, _ in positives]), [c for _, c in positives]))
        cleans, real = sounds(normalizer, cleans), sounds(normalizer, real)
        if args.out == OUT:
            args.out = OUT.with_suffix(".phonetic.json")
    for items in (positives, cleans, real):
        rng.shuffle(items)

    def split(items):
        cut = len(items) // 5
        return items[cut:], items[:cut]

    pos_train, pos_test = split(positives)
    clean_train, clean_test = split(cleans)
    real_train, real_test = split(real)

    def fit(pos: list[tuple[str, str]], negatives: list[str]):
        """The violation model over all n-grams, then the category model over those it weighs."""
        vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 3), binary=True, min_df=2)
        features = vectorizer.fit_transform([t for t, _ in pos] + negatives)
        labels = np.array([1] * len(pos) + [0] * len(negatives))
        violation = LogisticRegression(l1_ratio=args.l1, solver="saga" if 0 < args.l1 < 1 else "liblinear", C=args.c,
                                       class_weight="balanced", max_iter=3000, random_state=args.seed)
        violation.fit(features, labels)
        kept = np.flatnonzero(violation.coef_[0])
        kind = LogisticRegression(max_iter=3000, C=2.0, random_state=args.seed)
        kind.fit(features[: len(pos)][:, kept], [c for _, c in pos])
        return vectorizer, violation, kind, kept

    categories = sorted({c for _, c in positives})
    # Fitted on four fifths to report how it does on the fifth it never saw...
    vectorizer, violation, kind, kept = fit(pos_train, clean_train + real_train)

    def probability(batch: list[str]) -> np.ndarray:
        return violation.predict_proba(vectorizer.transform(batch))[:, 1] if batch else np.array([])

    report = {}
    p_pos, p_clean, p_real = probability([t for t, _ in pos_test]), probability(clean_test), probability(real_test)
    for threshold in (0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99):
        report[str(threshold)] = {
            "recall_written": round(float((p_pos >= threshold).mean()), 3) if len(p_pos) else None,
            "false_flags_written_clean": round(float((p_clean >= threshold).mean()), 4) if len(p_clean) else None,
            "false_flags_real_sentences": round(float((p_real >= threshold).mean()), 5) if len(p_real) else None,
        }
    predicted = kind.predict(vectorizer.transform([t for t, _ in pos_test])[:, kept]) if pos_test else []
    category_accuracy = float(np.mean([p == c for p, (_, c) in zip(predicted, pos_test)])) if pos_test else None

    # ...then shipped fitted on everything: a fifth more lines to weigh each n-gram by.
    vectorizer, violation, kind, kept = fit(positives, cleans + real)
    weights = violation.coef_[0]
    vocabulary = vectorizer.get_feature_names_out()
    order = [list(kind.classes_).index(c) for c in categories]
    shipped = [(n, j) for n, j in enumerate(kept)
               if abs(weights[j]) >= args.min_weight or np.abs(kind.coef_[:, n]).max() >= args.min_weight]
    model = {
        "name": "categories.phonetic" if args.phonetic else "categories",
        "trained_on": f"{len(written)} written lines in training/categories, {len(real)} sentences of STC-3 agent replies",
        "categories": categories,
        "bias": float(violation.intercept_[0]),
        "category_bias": [float(kind.intercept_[i]) for i in order],
        "features": {
            str(vocabulary[j]): [round(float(weights[j]), 4), [round(float(kind.coef_[i][n]), 4) for i in order]]
            for n, j in shipped
        },
        "held_out": {"thresholds": report, "category_accuracy": category_accuracy},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(shipped)} features shipped of {len(vocabulary)} ({len(kept)} with a weight); wrote {args.out}")
    print(json.dumps(model["held_out"], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
