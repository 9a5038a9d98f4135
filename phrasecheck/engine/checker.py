"""The compiled, immutable `Checker`: loads packs once, then runs the stages for every text.

    from phrasecheck import Checker
    checker = Checker.load("bank-counter")
    checker.check("不归我管，找别人去").to_dict()
"""

from __future__ import annotations

import gc
import json
import re
import os
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..errors import LexiconError
from .judge import Decision, compiled_guards, judge, word_edge_problem
from .regions import JudgeContext, Regions
from ..lexicon import Courtesy, LoadedPack, Rule, ScoringConfig, load_packs
from ..lexicon.settings import JUDGE_PATTERN_FIELDS
from ..lexicon.selftest import ExampleFailure, already_verified, remember_verified
from .compiled import kept_part, lexicon_digest, load_compiled, store_compiled
from .examples import example_failures
from .match import Candidate, Failure, Matcher
from .sentences import SentenceClassifier
from .breaks import CLAUSE_BREAK
from .normalize import Normalizer, Skim, paused_source
from .plain import plain_checks
from .results import TraceEntry, UtteranceResult, Violation
from .presence import Anchored, AnchorPresence
from .rules import CompiledRule, PatternCompiler
from ..vocabulary import canonical_role
from .score import UtteranceScores
from .suggest import rewritten
from .words import dictionary

ROLES = ("agent", "customer")
UNSCORED_ROLES = ("bot", "system")  # transcript turns no agent said


@contextmanager
def _collection_paused():
    """Compiling builds hundreds of thousands of small tuples and strings (a house list's entries,
    their automaton values) and no reference cycles; the cyclic collector would otherwise walk
    every live object over and over meanwhile (a third of a large list's load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_UNBUILT = object()


class Checker:
    _plain = _UNBUILT  # see `_build_plain`

    def __init__(self, packs: Sequence[LoadedPack]):
        if not packs:
            raise LexiconError("no lexicon pack given")
        self.packs = tuple(packs)
        main = self.packs[-1].pack
        fillers, variants, dialect, initials, quotes, reach, particles = [], {}, {}, {}, [], 10, set()
        judge_lists: dict[str, list[str]] = {field: [] for field in JUDGE_PATTERN_FIELDS}
        classes: dict[str, list[str]] = {}
        scoring = ScoringConfig()
        classifier, classifier_home = None, None
        for loaded in self.packs:
            pack = loaded.pack
            for name, words in pack.classes.items():
                classes[name] = list(dict.fromkeys([*classes.get(name, []), *words]))
            if pack.normalize:
                fillers += pack.normalize.fillers
                variants.update(pack.normalize.variants)
                initials.update(pack.normalize.initials)
                for word, forms in pack.normalize.dialect.items():
                    dialect[word] = [*dialect.get(word, []), *forms]
            if pack.judge:
                quotes += pack.judge.quotes
                for field, patterns in judge_lists.items():
                    patterns += getattr(pack.judge, field)
                reach = max(reach, pack.judge.frame_reach)
                particles.update(pack.judge.particles)
            if pack.scoring:
                scoring = pack.scoring
            if pack.classifier:
                classifier, classifier_home = pack.classifier, loaded.path
        self.scoring = scoring
        self._scores = UtteranceScores()
        self.classes = {name: tuple(words) for name, words in classes.items()}
        self.normalizer = kept_part(Normalizer, json.dumps([fillers, variants, dialect, initials], ensure_ascii=False,
                                                           sort_keys=True),
                                    lambda: Normalizer(fillers, variants, dialect, initials))
        self.compiler = PatternCompiler(self.normalizer, self.classes)  # rules and conversation rules alike
        try:
            judge_patterns = {field: tuple(self.compiler.pattern(p, f"judge.{field}", phonetic=False)
                                           for p in dict.fromkeys(patterns)) for field, patterns in judge_lists.items()}
        except ValueError as error:
            raise LexiconError(f"{self.packs[-1].path}: {error}") from None
        self.rules: tuple[CompiledRule, ...] = tuple(
            self._compile(rule, loaded, depth) for depth, loaded in enumerate(self.packs) for rule in loaded.pack.rules
        )
        presence = AnchorPresence()  # the judge's searches skip a pattern whose anchor is nowhere in the text
        for pattern in (*(p for found in judge_patterns.values() for p in found), *(c[0] for r in self.rules for c in r.unless)):
            presence.add(pattern)
        self.judging = JudgeContext(tuple(dict.fromkeys(quotes)), frame_reach=reach, particles=frozenset(particles),
                                    **{field: Anchored(found, presence) for field, found in judge_patterns.items()})
        self.rule_home = {
            rule.id: loaded.path for loaded in self.packs for rule in (*loaded.pack.rules, *loaded.pack.conversation_rules)
        }
        self.courtesy: tuple[Courtesy, ...] = tuple(c for loaded in self.packs for c in loaded.pack.courtesy)
        self.matcher = Matcher()
        for index, compiled in enumerate(self.rules):
            for pattern in compiled.patterns:
                self.matcher.add_pattern(index, pattern)
            if compiled.words is not None:
                self.matcher.add_entries(index, compiled.words)
            fuzzy = compiled.rule.fuzzy
            if fuzzy:
                for phrase in compiled.rule.phrases:
                    folded = self.normalizer.fold(phrase)
                    if len(folded) >= fuzzy.min_length:
                        self.matcher.add_fuzzy(index, folded, self.normalizer, fuzzy.threshold)
        self.matcher.finish()
        self.digest = digest = lexicon_digest(self.packs)
        self.lexicon = {"pack": main.pack, "version": f"{main.version}+{digest[:8]}"}
        self._by_id = {c.id: i for i, c in enumerate(self.rules)}
        self.classifier_config = classifier
        self._classifier = (SentenceClassifier.from_config(classifier, classifier_home, self._by_id, self.normalizer.phonetic)
                            if classifier else None)
        if self._classifier is not None:
            self.judging = replace(self.judging, rescore=self._classifier.reaches)

    @property
    def sentence_classifier(self) -> SentenceClassifier | None:
        """The pack's category model as the engine runs it (its thresholds and how it cuts a text
        into what it scores), for tools that must read text exactly as it does: the training script."""
        return self._classifier

    def _compile(self, rule: Rule, loaded: LoadedPack, depth: int) -> CompiledRule:
        try:
            return CompiledRule.compile(rule, loaded.pack.pack, depth, self.compiler, loaded.lists.get(rule.id))
        except ValueError as error:
            raise LexiconError(f"{loaded.path}: rule {rule.id!r}: {error}") from None

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, packs: str | os.PathLike | Sequence[str | os.PathLike] = "core", verify_examples: bool = True) -> "Checker":
        """Load packs by name (`"bank-counter"`), list of names, or path to a YAML file.

        Every rule's own examples are run; a rule that misses a `flag` example or fires on a
        `clean` one stops the load.  A successful verification is remembered per lexicon and
        engine digest, so an unchanged lexicon starts without re-running its examples, and the
        compiled lexicon is kept beside it (`compiled`), so it starts without compiling either.
        """
        names = [os.fspath(packs)] if isinstance(packs, (str, os.PathLike)) else [os.fspath(p) for p in packs]
        with _collection_paused():
            loaded = load_packs(names)
            checker = load_compiled(loaded, cls)
            fresh = checker is None
            if fresh:
                checker = cls(loaded)
        if verify_examples and not already_verified(checker.digest):
            failures = checker.test_examples()
            if failures:
                extra = f" (and {len(failures) - 1} more; run `phrasecheck lexicon test`)" if len(failures) > 1 else ""
                raise LexiconError(f"{failures[0]}{extra}")
            remember_verified(checker.digest)
        if fresh:
            store_compiled(loaded, checker)
        return checker

    # -- checking ------------------------------------------------------------------------------
    def check(
        self,
        text: str,
        role: str = "agent",
        id: str | None = None,
        disabled_rules: Iterable[str] = (),
        meta: Mapping[str, Any] | None = None,
        explain: bool = False,
    ) -> UtteranceResult:
        """Check one message.  With `explain`, the result's `trace` lists every candidate the
        matcher found and the stage that kept or dropped it (slower: no fast path)."""
        if role not in ROLES:
            role = canonical_role(role, "role")  # 客户, 坐席, 0, 1…: the words every reader accepts
        meta = dict(meta) if meta else {}
        if role == "customer":
            text = _encodable(text)
            trace = (TraceEntry("*", 0, len(text), text, "role", False, "customer turns are not scored"),) if explain else None
            return UtteranceResult(id, role, text, False, None, "pass", (), None, self.lexicon, meta, trace)
        if not explain:  # most texts end in the first plain check
            plain = self._plain if self._plain is not _UNBUILT else self._build_plain()
            # a lone surrogate is none of a plain text's characters: such a text comes back None
            found = plain[0](text) if plain is not None else None  # one needing only its pauses marked is cleared too
            if found is True:
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
        failures: list[Failure] | None = [] if explain else None
        decisions: list[Decision] | None = [] if explain else None
        model_hits: list[Candidate] = []
        regions = None
        if explain:
            text = _encodable(text)
            skim = self.normalizer.skim(text)
            normalized = self.normalizer.full(skim)
            candidates = self.matcher.verify(normalized, self.matcher.scan(normalized.phon, normalized.norm), failures)
            if self._classifier:
                model_hits = self._classifier.candidates(skim.marked)
        else:
            front = source = bounds = scored = verified = None
            offsets = ((), ())  # starts and ends of the folded characters in the text the plain check read
            typed = False  # holding syllables typed in pinyin, which the model's twin over sounds reads (in Python)
            if found is None:
                text = _encodable(text)
                if plain is not None:  # letters or rare characters: plain once its front is read and rewritten
                    front = self.normalizer.front(text)
                    source = self.normalizer.source(text, front)
                    typed = self._classifier is not None and self._classifier.reads_typed(source[0])  # its pieces kept
                    found = plain[1](source[0], source[1] is not None, typed)
            if found is True:  # plain, and nothing the Python path would go on with
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            if found is None:
                skim = self.normalizer.skim(text, front, source)
                hits = self.matcher.find(skim.phon, skim.folded)
            else:
                translated, marked, folded, phon, hits, live, windows, scored, verified, offsets, base = found
                bounds = live, windows
                if base is not None:  # the quiet source the plain check read: its pauses marked
                    source = paused_source(text, base)
                skim = Skim(text, translated, marked, folded, phon, source and source[1])
            if self._classifier is not None:  # the plain check's, unless the twin over sounds reads the text
                # (never one the first check read: a placeholder is a rare character, which sends a text on)
                model_hits = scored if scored is not None and not typed else self._classifier.candidates(skim.marked, bounds)
            if not hits and not model_hits:
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            draft = self.normalizer.draft(skim, offsets)
            # Verification reads the folded text and its boundaries, which the offsets do not change.
            candidates = self.matcher.verify(draft, hits, verified=verified) if hits else []
            if not candidates and not model_hits:  # most plausible hits fail verification
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            regions = Regions(draft)
            if not model_hits and not any(self._may_survive(c, draft, regions) for c in candidates):
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            normalized = self.normalizer.with_offsets(draft)
        if disabled_rules:
            disabled = set(disabled_rules)
            candidates = [c for c in candidates if self.rules[c.rule].id not in disabled]
            model_hits = [c for c in model_hits if self.rules[c.rule].id not in disabled]
        if explain or normalized.norm != draft.norm or normalized.breaks != draft.breaks:
            regions = Regions(normalized)  # judged afresh, once for the patterns' hits and the model's
        kept = judge(candidates, normalized, role, self.rules, self.judging, trace=decisions, regions=regions,
                     model_hits=model_hits)
        violations = []
        replaced = []  # (start, end, standard line) of each violation that has one
        for candidate in kept:
            compiled = self.rules[candidate.rule]
            rule, entry = compiled.rule, candidate.entry
            start, end = normalized.original_span(candidate.start, candidate.end)
            if entry is None:
                (suggestions, source), listed = compiled.reported, None
            else:
                words = compiled.words
                suggestions, source, listed = words.suggest(entry) or compiled.reported[0], words.cite(entry), words.texts[entry]
            # in field order: keywords cost a flagged message twice the time of the call
            violations.append(Violation(rule.id, rule.category, rule.severity, start, end, text[start:end],
                                        candidate.match_type, candidate.confidence, rule.why, suggestions,
                                        rule.scenario, source, listed))
            if suggestions:  # a list entry may have no standard line: its words then stay
                replaced.append((candidate.start, candidate.end, suggestions[0]))
        score, decision = self._scores(tuple([v.severity for v in violations]), self.scoring)
        if explain and self._classifier:
            failures += self._classifier.near_misses(skim.marked)
        trace = self._trace(normalized, failures, decisions) if explain else None
        return UtteranceResult(
            id, role, text, True, score, decision, tuple(violations),
            rewritten(normalized, regions.edges(CLAUSE_BREAK), replaced), self.lexicon, meta, trace
        )

    def _build_plain(self):
        """The compiled answer for a plain text with nothing to flag (`plain`), and the judge's
        compiled guards (`judge.compiled_guards`), built on the first check: they hold the
        automata, tables and verifiers built then, and are not pickled."""
        self._plain = plain_checks(self.normalizer, self.matcher, self._classifier)
        self.judging = replace(self.judging, compiled=compiled_guards(self.rules, self.judging))
        return self._plain

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_plain", None)
        state["judging"] = replace(self.judging, compiled=None)
        return state

    def _trace(self, normalized, failures: list[Failure], decisions: list[Decision]) -> tuple[TraceEntry, ...]:
        entries = []
        for failure in failures:
            start, end = normalized.original_span(failure.start, max(failure.end, failure.start + 1))
            entries.append(TraceEntry(self.rules[failure.rule].id, start, end, normalized.original[start:end],
                                      failure.stage, False, failure.reason))
        for decision in decisions:
            candidate = decision.candidate
            start, end = normalized.original_span(candidate.start, candidate.end)
            entries.append(TraceEntry(self.rules[candidate.rule].id, start, end, normalized.original[start:end],
                                      decision.stage, decision.kept, decision.reason, candidate.match_type))
        unique = dict.fromkeys(entries)  # several anchor spellings can fail at one place the same way
        return tuple(sorted(unique, key=lambda e: (e.start, not e.kept, e.rule)))

    def _may_survive(self, candidate, draft, regions: Regions) -> bool:
        """The judge's tests that need no offsets, run before the offsets are built: coverage, and
        word edges where no Latin run was rewritten (a rewrite's edges come with the offsets)."""
        rule = self.rules[candidate.rule].rule
        coverage = rule.coverage
        if coverage is not None and regions.covered_share(candidate.start, candidate.end) < coverage:
            return False
        if rule.boundary != "token" or draft.rewrite is not None:
            return True
        return word_edge_problem(regions, candidate, self.judging.particles) is None

    def warm(self) -> None:
        """Load now what the engine otherwise loads on a first hit (jieba's dictionary and its word
        graph, the word-level 繁→简 tables, the long texts' lookup arrays): before forking workers,
        or before a service takes requests."""
        dictionary().graph()
        self.normalizer.warm()
        if self._classifier is not None and self._classifier.sounds is not None:
            self._classifier.sounds.model()
        self.check("不歸我管，找别人去 sb")

    def check_turn(self, text: str, role: str, id: str | None = None,
                   meta: Mapping[str, Any] | None = None, disabled_rules: Iterable[str] = ()) -> UtteranceResult:
        """A turn of a transcript: agent and customer turns are checked as `check` does; bot and
        system turns come back unscored (no agent said them)."""
        if role in UNSCORED_ROLES:
            return UtteranceResult(id, role, text, False, None, "pass", (), None, self.lexicon, dict(meta or {}))
        return self.check(text, role, id, disabled_rules, meta=meta)

    def check_many(self, items: Iterable[str | Mapping[str, Any]]) -> Iterator[UtteranceResult]:
        """Stream results for texts or `{"text", "role"?, "id"?}` mappings, in input order."""
        for item in items:
            if isinstance(item, str):
                yield self.check(item)
            else:
                meta = {k: v for k, v in item.items() if k not in ("text", "role", "id")}
                yield self.check(item["text"], item.get("role", "agent"), item.get("id"), meta=meta)

    # -- rule examples -------------------------------------------------------------------------
    def test_examples(self, rule_ids: Iterable[str] | None = None) -> list[ExampleFailure]:
        """Each rule's own examples (`examples.example_failures`): a list of what failed."""
        return example_failures(self, rule_ids)

    def rule(self, rule_id: str) -> CompiledRule:
        if rule_id not in self._by_id:
            raise LexiconError(f"unknown rule {rule_id!r} in pack {self.lexicon['pack']!r}")
        return self.rules[self._by_id[rule_id]]


def _encodable(text: str) -> str:
    """The text with each lone surrogate (not encodable as UTF-8) as U+FFFD, offsets unchanged."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text
