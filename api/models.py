"""Request and response models: what the OpenAPI document at `/docs` shows, field by field.

Requests are validated by these models (pydantic-core's JSON parser, see `api.deps.json_body`).
Responses go out as `orjson` bytes of the engine's own `to_dict()`, so the response models exist
for the document; `tests/test_api.py` validates real answers against them, so they stay true.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from phrasecheck import Conversation
from phrasecheck.conversation import Turn
from phrasecheck.errors import InputError
from phrasecheck.vocabulary import canonical_role, vocabulary

_STRICT = ConfigDict(extra="forbid", strict=True)  # a request's `"line": false` or `"seq": "3"` is a 422, as the schema says
_OUT = ConfigDict(extra="forbid", populate_by_name=True)


# -- role words: the table the CLI and the readers use (phrasecheck/data/vocabulary.yaml) ----------
def role_words(allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """Every accepted spelling per role, canonical word first."""
    table = vocabulary()
    return {role: [role, *[w for w in table.spellings(role) if w != role]] for role in allowed}


def _role_word(allowed: tuple[str, ...]) -> tuple[Any, str]:
    """A `str` type that takes any role word (客户, 坐席, 0, 1, Agent…) and holds the canonical
    role, and the sentence that documents it; an unknown word is a 422 naming the field and
    listing the accepted words."""
    accepted = role_words(allowed)
    listing = "; ".join(f"{role}: {', '.join(words)}" for role, words in accepted.items())

    def canonical(value: Any) -> str:
        if value in allowed:  # the canonical word itself: no lookup
            return value
        try:
            return canonical_role(value, "role", allowed)
        except InputError:
            raise PydanticCustomError("unknown_role", "unknown role {role} (accepted words, case-insensitive: {listing})",
                                      {"role": repr(value), "listing": listing, "accepted": accepted}) from None

    words = [w for spellings in accepted.values() for w in spellings]
    numbers = [int(w) for w in words if w.isdecimal()]  # `"role": 1` is the CLI's `1` as a JSON number
    schema = {"anyOf": [{"type": "string", "enum": words}, {"type": "integer", "enum": numbers}]}
    described = f"Any role word the command line takes, case-insensitive ({listing}); read as the canonical role."
    return Annotated[str, BeforeValidator(canonical), WithJsonSchema(schema)], described


CheckRole, CHECK_ROLE_WORDS = _role_word(("agent", "customer"))
TurnRoleWord, TURN_ROLE_WORDS = _role_word(("agent", "customer", "bot", "system"))
Role = Literal["agent", "customer"]


# -- requests --------------------------------------------------------------------------------------
class CheckRequest(BaseModel):
    """One message to check.  It is judged on its own: conversation rules (greeting, farewell,
    apology after a wait) need the whole conversation, `POST /v1/conversations/score`."""

    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [
        {"text": "这个业务不归我管，找别人去", "role": "坐席", "pack": "bank-counter", "id": "msg-1"}]})
    text: str = Field(description="The message the agent is about to send.")
    role: CheckRole = Field("agent", description=f"Who says it. {CHECK_ROLE_WORDS} Customer messages are not scored (`scored: false`).",
                            examples=["agent", "坐席", "客户", "1", "0"])
    pack: str | None = Field(None, description="Lexicon pack name (see `GET /v1/packs`); the server's default otherwise.")
    disabled_rules: list[str] = Field(default_factory=list, json_schema_extra={"default": []}, description="Rule ids not to apply to this message (see `GET /v1/rules`).")
    id: str | None = Field(None, description="Echoed back in the result.")


class BatchRequest(BaseModel):
    model_config = _STRICT
    items: list[CheckRequest]
    pack: str | None = Field(None, description="Pack for items that name none.")


class ScoreTurn(Turn):
    """A turn whose `role` may be any role word (`客户`, `坐席`, `0`, `1`…), as in transcript files."""

    model_config = _STRICT
    role: TurnRoleWord = Field(description=f"Who speaks. {TURN_ROLE_WORDS}", examples=["agent", "客户", "坐席", "bot"])

    @field_validator("seq", "begin_ms", "end_ms", "line", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """JSON Schema's integers include `3.0`, strict pydantic's do not; `true` and `"3"` stay refused."""
        return int(value) if isinstance(value, float) and value.is_integer() else value


class ScoreRequest(Conversation):
    """A conversation (`phrasecheck.conversation.Conversation`) plus how to score it."""

    model_config = _STRICT
    turns: list[ScoreTurn] = Field(min_length=1, description="Turns in the order they were said.")
    pack: str | None = Field(None, description="Lexicon pack name; the server's default otherwise.")
    template: str | None = Field(None, description="Scoring template name (default `call-centre`).")
    house_rules: str | dict[str, Any] | None = Field(
        None, description="Conversation rules to score with besides the pack's: an inline document "
        "`{conversation_rules: [...]}` written with the operators of docs/operators.md (the pack schema, examples "
        "included), or the name of a pack whose conversation rules are added. A bad rule is a 422 naming the rule and the field.",
        examples=[{"conversation_rules": [{
            "id": "house-no-farewell", "title": "未道别", "severity": "warning", "why": "服务结束要道别。",
            "check": {"absent": {"say": {"phrases": ["再见"]}}, "range": {"role": "agent", "last": 1}},
            "examples": {"flag": [["坐席: 好的"]], "clean": [["坐席: 好的，再见"]]}}]}])


# -- responses -------------------------------------------------------------------------------------
Severity = Literal["info", "warning", "error", "critical"]
Decision = Literal["pass", "warn", "block"]


class ViolationOut(BaseModel):
    model_config = _OUT
    rule: str
    category: str
    severity: Severity
    start: int = Field(description="Python str offset into the original text.")
    end: int
    matched: str
    entry: str | None = Field(description="The house word list entry that matched, as the list writes it; null for other rules.")
    match_type: Literal["exact", "pattern", "fuzzy", "phonetic"]
    confidence: float
    message: str
    suggestions: list[str]


class LexiconOut(BaseModel):
    model_config = _OUT
    pack: str
    version: str


class CheckResult(BaseModel):
    model_config = _OUT
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    id: str | None
    role: Role = Field(description="The canonical role, whichever word the request used.")
    scored: bool
    score: int | None = Field(None, description="Absent when `scored` is false.")
    decision: Decision
    violations: list[ViolationOut]
    rewrite: str | None
    lexicon: LexiconOut


class BatchResult(BaseModel):
    model_config = _OUT
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    results: list[CheckResult]


class TemplateOut(BaseModel):
    model_config = _OUT
    id: str
    title: str
    pass_mark: int


class DimensionOut(BaseModel):
    model_config = _OUT
    id: str
    title: str
    cap: int
    potential: int = Field(description="The cap less the points of this conversation's N/A items.")
    deducted: int
    score: int = Field(description="`potential` less `deducted`.")
    not_applicable: list[str] = Field(description="Items whose rules did not apply to this conversation (filtered out or skipped).")


class EvidenceOut(BaseModel):
    """What deductions and findings share: the rule, and where in the conversation it stands."""

    model_config = _OUT
    rule: str
    severity: str
    turn: int | None = Field(description="Index into `turns`; `null` when the rule concerns the whole conversation.")
    seq: int | None = Field(description="That turn's own `seq`, to find it in the source file.")
    start: int | None
    end: int | None
    matched: str | None
    time_ms: int | None
    message: str


class DeductionOut(EvidenceOut):
    item: str
    title: str
    dimension: str | None = Field(description="`null` for a conversation veto (致命项); a dimension veto names its dimension.")
    points: int
    veto: bool
    category: str
    suggestion: str | None


class FindingOut(EvidenceOut):
    kind: str
    status: Literal["violated", "skipped"]
    suggestions: list[str]


class TurnResultOut(BaseModel):
    model_config = _OUT
    index: int
    seq: int | None
    role: Literal["agent", "customer", "bot", "system"]
    speaker: str | None
    text: str
    begin_ms: int | None
    end_ms: int | None
    scored: bool
    score: int | None = Field(None, description="Absent when `scored` is false.")
    decision: Decision
    violations: list[ViolationOut]
    rewrite: str | None


class ConversationResultOut(BaseModel):
    """The `phrasecheck/1` conversation result (`ConversationResult.to_dict`), as `phrasecheck score` writes it."""

    model_config = _OUT
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    kind: Literal["conversation"]
    id: str
    source: str | None
    channel: Literal["call", "chat"] | None
    agent_id: str | None
    agent_name: str | None
    started_at: str | None = Field(None, description="When the first turn began (ISO 8601), where the input gives date-times.")
    team: str | None = Field(None, description="The team (班组) the input names on the conversation or its lines.")
    skill_group: str | None = Field(None, description="The skill group (技能组, queue) the input names.")
    score: int
    grade: str
    passed: bool
    vetoed: bool
    template: TemplateOut
    lexicon: LexiconOut
    dimensions: list[DimensionOut]
    deductions: list[DeductionOut]
    findings: list[FindingOut]
    turns: list[TurnResultOut]
    stats: dict[str, Any]


class PackOut(BaseModel):
    model_config = _OUT
    name: str
    title: str | None = None
    version: str | None = None
    description: str | None = None
    setting: str | None = None
    extends: list[str] | None = None
    rules: int | None = Field(None, description="How many rules checking with this pack applies (its own and those it extends).")
    error: str | None = Field(None, description="Only for a pack that does not load: why (file, rule, field); no other fields then.")


class PacksOut(BaseModel):
    model_config = _OUT
    default: str
    packs: list[PackOut]


class ExamplesOut(BaseModel):
    model_config = _OUT
    flag: list[str]
    clean: list[str]


class RuleOut(BaseModel):
    model_config = _OUT
    id: str
    pack: str
    pair: str | None
    category: str
    severity: Severity
    scenario: str
    why: str
    suggest: list[str]
    source: str
    examples: ExamplesOut


class RulesOut(BaseModel):
    model_config = _OUT
    pack: str
    lexicon: LexiconOut
    rules: list[RuleOut]


class StatusOut(BaseModel):
    status: Literal["ok"]


class PackStateOut(BaseModel):
    model_config = _OUT
    version: str
    rules: int
    reload_error: str | None


class ReadyOut(BaseModel):
    model_config = _OUT
    status: Literal["ready", "starting"]
    default: str
    packs: dict[str, PackStateOut] = Field(description="Compiled packs by name.")
    errors: dict[str, str] = Field(description="The last failed compile or reload per pack.")


class ReloadOutcome(BaseModel):
    model_config = _OUT
    pack: str
    status: Literal["reloaded", "error"]
    serving: str | None = Field(description="The version now serving (the old one when the reload failed).")
    error: str | None = None


class ReloadOut(BaseModel):
    model_config = _OUT
    packs: list[ReloadOutcome]
