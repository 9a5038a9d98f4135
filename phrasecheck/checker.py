"""The compiled, immutable `Checker`: loads packs once, then runs the stages for every text.

    from phrasecheck import Checker
    checker = Checker.load("bank-counter")
    checker.check("不归我管，找别人去").to_dict()
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from . import __version__
from .errors import LexiconError
from .judge import Decision, JudgeContext, covers_sentence, judge
from .conversation import Conversation, Turn
from .lexicon import ConversationRule, Courtesy, LoadedPack, Rule, ScoringConfig, load_packs
from .match import CompiledPattern, Failure, Matcher
from .normalize import Normalizer
from .qa import CompiledConversationRule, ConversationResult, apply_template, evaluate, finding_evidence, utterance_evidence
from .results import TraceEntry, UtteranceResult, Violation
from .rules import CompiledRule, expand
from .vocabulary import canonical_role
from .score import score_utterance
from .suggest import replacement, rewrite
from .template import DEFAULT_TEMPLATE, Template, load_template

ROLES = ("agent", "customer")
UNSCORED_ROLES = ("bot", "system")  # transcript turns no agent said
_ENGINE_FILES = ("normalize.py", "latin.py", "hant.py", "data/t2s_secondary.txt", "patterns.py", "match.py", "judge.py",
                 "lexicon.py", "rules.py", "words.py", "checker.py", "qa.py")


@dataclass(frozen=True)
class ExampleFailure:
    pack: Path
    rule: str
    example: str
    expected: str  # "flag" or "clean"
    found: tuple[str, ...]  # rule ids that fired

    def __str__(self) -> str:
        if self.expected == "flag":
            return f"{self.pack}: rule {self.rule!r}: misses its own flag example {self.example!r}"
        return (
            f"{self.pack}: rule {self.rule!r}: fires on its own clean example {self.example!r}"
            f" (flagged by {', '.join(self.found)})"
        )


class Checker:
    def __init__(self, packs: Sequence[LoadedPack]):
        if not packs:
            raise LexiconError("no lexicon pack given")
        self.packs = tuple(packs)
        main = self.packs[-1].pack
        fillers, variants, dialect, initials, quotes, frames, reach, particles = [], {}, {}, {}, [], [], 10, set()
        classes: dict[str, list[str]] = {}
        scoring = ScoringConfig()
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
                frames += pack.judge.frames
                reach = max(reach, pack.judge.frame_reach)
                particles.update(pack.judge.particles)
            if pack.scoring:
                scoring = pack.scoring
        self.scoring = scoring
        self.classes = {name: tuple(words) for name, words in classes.items()}
        self.normalizer = Normalizer(fillers, variants, dialect, initials)
        try:
            frame_patterns = tuple(
                CompiledPattern(expand(f, self.classes, "judge.frames"), self.normalizer, phonetic=False)
                for f in dict.fromkeys(frames)
            )
        except ValueError as error:
            raise LexiconError(f"{self.packs[-1].path}: {error}") from None
        self.judging = JudgeContext(tuple(dict.fromkeys(quotes)), frame_patterns, reach, frozenset(particles))
        self.rules: tuple[CompiledRule, ...] = tuple(
            self._compile(rule, loaded, depth) for depth, loaded in enumerate(self.packs) for rule in loaded.pack.rules
        )
        self.rule_home = {
            rule.id: loaded.path for loaded in self.packs for rule in (*loaded.pack.rules, *loaded.pack.conversation_rules)
        }
        self.courtesy: tuple[Courtesy, ...] = tuple(c for loaded in self.packs for c in loaded.pack.courtesy)
        self.conversation_rules = tuple(
            self._compile_conversation_rule(rule, loaded) for loaded in self.packs for rule in loaded.pack.conversation_rules
        )
        self._templates: dict[str, Template] = {}
        self._matcher = Matcher()
        for index, compiled in enumerate(self.rules):
            for pattern in compiled.patterns:
                self._matcher.add_pattern(index, pattern)
            fuzzy = compiled.rule.fuzzy
            if fuzzy:
                for phrase in compiled.rule.phrases:
                    folded = self.normalizer.fold(phrase)
                    if len(folded) >= fuzzy.min_length:
                        self._matcher.add_fuzzy(index, folded, self.normalizer, fuzzy.threshold)
        self._matcher.finish()
        digest = hashlib.sha256("".join(p.digest for p in self.packs).encode()).hexdigest()
        self.digest = digest
        self.lexicon = {"pack": main.pack, "version": f"{main.version}+{digest[:8]}"}
        self._by_id = {c.id: i for i, c in enumerate(self.rules)}

    def _compile(self, rule: Rule, loaded: LoadedPack, depth: int) -> CompiledRule:
        try:
            return CompiledRule.compile(rule, loaded.pack.pack, depth, self.normalizer, self.classes)
        except ValueError as error:
            raise LexiconError(f"{loaded.path}: rule {rule.id!r}: {error}") from None

    def _compile_conversation_rule(self, rule: ConversationRule, loaded: LoadedPack) -> CompiledConversationRule:
        try:
            return CompiledConversationRule.compile(rule, self.courtesy, self.normalizer, self.classes)
        except ValueError as error:
            raise LexiconError(f"{loaded.path}: conversation rule {rule.id!r}: {error}") from None

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, packs: str | os.PathLike | Sequence[str | os.PathLike] = "core", verify_examples: bool = True) -> "Checker":
        """Load packs by name (`"bank-counter"`), list of names, or path to a YAML file.

        Every rule's own examples are run; a rule that misses a `flag` example or fires on a
        `clean` one stops the load.  A successful verification is remembered per lexicon and
        engine digest, so an unchanged lexicon starts without re-running its examples.
        """
        names = [os.fspath(packs)] if isinstance(packs, (str, os.PathLike)) else [os.fspath(p) for p in packs]
        checker = cls(load_packs(names))
        if verify_examples and not _already_verified(checker):
            failures = checker.test_examples()
            if failures:
                extra = f" (and {len(failures) - 1} more; run `phrasecheck lexicon test`)" if len(failures) > 1 else ""
                raise LexiconError(f"{failures[0]}{extra}")
            _remember_verified(checker)
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
        meta = dict(meta or {})
        if role == "customer":
            trace = (TraceEntry("*", 0, len(text), text, "role", False, "customer turns are not scored"),) if explain else None
            return UtteranceResult(id, role, text, False, None, "pass", (), None, self.lexicon, meta, trace)
        if explain:
            normalized = self.normalizer.full(text)
            hits = self._matcher.scan(normalized.phon)
        else:
            skim = self.normalizer.skim(text)
            hits = self._matcher.scan(skim.phon)
            if not hits or not self._matcher.plausible(skim.folded, hits):
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            draft = self.normalizer.draft(skim)
            if not any(self._may_survive(c, draft) for c in self._matcher.verify(draft, hits)):
                return UtteranceResult(id, role, text, True, 100, "pass", (), None, self.lexicon, meta)
            normalized = self.normalizer.with_offsets(draft)
        failures: list[Failure] | None = [] if explain else None
        decisions: list[Decision] | None = [] if explain else None
        candidates = self._matcher.verify(normalized, hits, failures)
        if disabled_rules:
            disabled = set(disabled_rules)
            candidates = [c for c in candidates if self.rules[c.rule].id not in disabled]
        kept = judge(candidates, normalized, role, self.rules, self.judging, trace=decisions)
        violations = []
        replacements = []
        for candidate in kept:
            rule = self.rules[candidate.rule].rule
            start, end = normalized.original_span(candidate.start, candidate.end)
            violations.append(
                Violation(
                    rule=rule.id,
                    category=rule.category,
                    severity=rule.severity,
                    start=start,
                    end=end,
                    matched=text[start:end],
                    match_type=candidate.match_type,
                    confidence=candidate.confidence,
                    message=rule.why,
                    suggestions=tuple(rule.suggest),
                    scenario=rule.scenario,
                    source=str(rule.source),
                )
            )
            replacements.append(replacement(normalized, candidate.start, candidate.end, rule.suggest[0]))
        score, decision = score_utterance((v.severity for v in violations), self.scoring)
        trace = self._trace(normalized, failures, decisions) if explain else None
        return UtteranceResult(
            id, role, text, True, score, decision, tuple(violations), rewrite(normalized, replacements), self.lexicon, meta, trace
        )

    def _trace(self, normalized, failures: list[Failure], decisions: list[Decision]) -> tuple[TraceEntry, ...]:
        entries = []
        for failure in failures:
            start, end = normalized.original_span(failure.start, max(failure.end, failure.start + 1))
            entries.append(TraceEntry(self.rules[failure.rule].id, start, end, normalized.original[start:end],
                                      "verify", False, failure.reason))
        for decision in decisions:
            candidate = decision.candidate
            start, end = normalized.original_span(candidate.start, candidate.end)
            entries.append(TraceEntry(self.rules[candidate.rule].id, start, end, normalized.original[start:end],
                                      decision.stage, decision.kept, decision.reason, candidate.match_type))
        unique = dict.fromkeys(entries)  # several anchor spellings can fail at one place the same way
        return tuple(sorted(unique, key=lambda e: (e.start, not e.kept, e.rule)))

    def _may_survive(self, candidate, draft) -> bool:
        """The judge's tests that need no offsets, run before the offsets are built."""
        coverage = self.rules[candidate.rule].rule.coverage
        return coverage is None or covers_sentence(draft, candidate.start, candidate.end, coverage)

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

    # -- conversations -------------------------------------------------------------------------
    def template(self, template: str | os.PathLike | Template | None = None) -> Template:
        """A scoring template by name or path (loaded once per checker), `seed-003` by default."""
        if isinstance(template, Template):
            return template
        key = os.fspath(template or DEFAULT_TEMPLATE)
        if key not in self._templates:
            self._templates[key] = load_template(key)
        return self._templates[key]

    def score_conversation(
        self,
        conversation: Conversation | Sequence[Turn | Mapping[str, Any]],
        template: str | os.PathLike | Template | None = None,
        disabled_rules: Iterable[str] = (),
    ) -> ConversationResult:
        """Check every turn, run the conversation rules, and score both on the template.
        `disabled_rules` (phrase or conversation rule ids) neither fire nor count."""
        if not isinstance(conversation, Conversation):
            conversation = Conversation(id="conversation", turns=list(conversation))
        scoring = self.template(template)
        disabled = frozenset(disabled_rules)
        results = [self.check_turn(t.text, t.role, str(t.seq) if t.seq is not None else None, disabled_rules=disabled)
                   for t in conversation.turns]
        rules = tuple(c for c in self.conversation_rules if c.rule.id not in disabled)
        findings = evaluate(rules, conversation, self.normalizer)
        titles = {c.rule.id: c.rule.title for c in self.conversation_rules}
        evidence = [e for i, (t, r) in enumerate(zip(conversation.turns, results)) for e in utterance_evidence(i, t, r)]
        evidence += [finding_evidence(f, titles[f.rule]) for f in findings if f.status == "violated"]
        evidence.sort(key=lambda e: (e.turn if e.turn is not None else len(results), e.start or 0))
        score, vetoed, dimensions, deductions = apply_template(scoring, evidence)
        begins = [t.begin_ms for t in conversation.turns if t.begin_ms is not None]
        ends = [t.end_ms if t.end_ms is not None else t.begin_ms for t in conversation.turns if t.begin_ms is not None]
        stats = {
            "turns": len(results),
            "agent_turns": sum(t.role == "agent" for t in conversation.turns),
            "duration_ms": max(ends) - min(begins) if begins else None,
        }
        return ConversationResult(
            conversation, results, findings, deductions, dimensions, score, scoring.grade(score),
            score >= scoring.pass_mark and not vetoed, vetoed, scoring, self.lexicon, stats,
        )

    # -- rule examples -------------------------------------------------------------------------
    def test_examples(self, rule_ids: Iterable[str] | None = None) -> list[ExampleFailure]:
        wanted = set(rule_ids) if rule_ids is not None else None
        failures = []
        for compiled in self.rules:
            rule = compiled.rule
            if wanted is not None and rule.id not in wanted:
                continue
            home = self.rule_home[rule.id]
            for example in rule.examples.flag:
                fired = self._fired_before_overlaps(example)
                if rule.id not in fired:
                    failures.append(ExampleFailure(home, rule.id, example, "flag", fired))
            for example in rule.examples.clean:
                fired = tuple(v.rule for v in self.check(example).violations)
                if fired:
                    failures.append(ExampleFailure(home, rule.id, example, "clean", fired))
        for compiled in self.conversation_rules:
            rule = compiled.rule
            if wanted is not None and rule.id not in wanted:
                continue
            home = self.rule_home[rule.id]
            channel = "call" if "call" in rule.channels else "chat"
            for expected, examples in (("flag", rule.examples.flag), ("clean", rule.examples.clean)):
                for turns in examples:
                    conversation = Conversation(id="example", channel=channel, turns=[Turn(**t.model_dump()) for t in turns])
                    fired = tuple(f.rule for f in evaluate((compiled,), conversation, self.normalizer) if f.status == "violated")
                    if (rule.id in fired) != (expected == "flag"):
                        text = " / ".join(f"{t.role}: {t.text}" for t in turns)
                        failures.append(ExampleFailure(home, rule.id, text, expected, fired))
        return failures

    def _fired_before_overlaps(self, text: str) -> tuple[str, ...]:
        """Rules that judge a text as a violation, before overlapping hits are reduced to one:
        a rule's own example counts even where a more specific rule wins the span."""
        normalized = self.normalizer.full(text)
        candidates = self._matcher.verify(normalized, self._matcher.scan(normalized.phon))
        kept = judge(candidates, normalized, "agent", self.rules, self.judging, resolve_overlaps=False)
        return tuple(self.rules[c.rule].id for c in kept)

    def rule(self, rule_id: str) -> CompiledRule:
        if rule_id not in self._by_id:
            raise LexiconError(f"unknown rule {rule_id!r} in pack {self.lexicon['pack']!r}")
        return self.rules[self._by_id[rule_id]]


def _verification_marker(checker: Checker) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    engine = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _ENGINE_FILES:
        try:
            engine.update((here / name).read_bytes())
        except OSError:
            return None
    key = hashlib.sha256((checker.digest + engine.hexdigest()).encode()).hexdigest()[:32]
    return Path(base) / "phrasecheck" / "verified" / key


def _already_verified(checker: Checker) -> bool:
    marker = _verification_marker(checker)
    return marker is not None and marker.exists()


def _remember_verified(checker: Checker) -> None:
    marker = _verification_marker(checker)
    if marker is None:
        return
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only cache only costs a re-verification next time
