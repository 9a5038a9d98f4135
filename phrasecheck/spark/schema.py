"""The `phrasecheck/1` wire schema as Spark SQL types (DDL strings), field for field.

`UTTERANCE` is the struct `check_column` adds (`UtteranceResult.to_dict()` without `meta`);
`CONVERSATION` the columns `score_conversations` returns (`ConversationResult.to_dict()`).  Both
carry `error`: null, or why the row could not be checked or scored.  Offsets, scores and counts
are int, times in milliseconds and `seq` bigint.
"""

from __future__ import annotations


def _struct(fields: dict[str, str]) -> str:
    return "struct<" + ",".join(f"`{name}`:{kind}" for name, kind in fields.items()) + ">"


def _columns(fields: dict[str, str]) -> str:
    return ", ".join(f"`{name}` {kind}" for name, kind in fields.items())


_LEXICON = _struct({"pack": "string", "version": "string"})
_VIOLATION = _struct({
    "rule": "string", "category": "string", "severity": "string", "start": "int", "end": "int", "matched": "string",
    "entry": "string", "match_type": "string", "confidence": "double", "message": "string", "suggestions": "array<string>",
})
_DEDUCTION = _struct({"item": "string", "title": "string", "dimension": "string", "points": "int", "veto": "boolean",
                      "rule": "string", "category": "string", "severity": "string", "turn": "int", "start": "int",
                      "end": "int", "matched": "string", "time_ms": "bigint", "message": "string", "suggestion": "string",
                      "seq": "bigint"})
_FINDING = _struct({"rule": "string", "kind": "string", "severity": "string", "status": "string", "turn": "int",
                    "start": "int", "end": "int", "matched": "string", "time_ms": "bigint", "message": "string",
                    "suggestions": "array<string>", "seq": "bigint"})
_TURN = _struct({
    "index": "int", "seq": "bigint", "role": "string", "speaker": "string", "text": "string", "begin_ms": "bigint",
    "end_ms": "bigint", "scored": "boolean", "score": "int", "decision": "string", "violations": f"array<{_VIOLATION}>",
    "rewrite": "string",
})

_UTTERANCE = {
    "schema": "string", "id": "string", "role": "string", "scored": "boolean", "score": "int", "decision": "string",
    "violations": f"array<{_VIOLATION}>", "rewrite": "string", "lexicon": _LEXICON, "error": "string",
}
_CONVERSATION = {
    "schema": "string", "kind": "string", "id": "string", "source": "string", "channel": "string", "agent_id": "string",
    "agent_name": "string", "started_at": "string", "team": "string", "skill_group": "string", "score": "int", "grade": "string", "passed": "boolean", "vetoed": "boolean",
    "template": _struct({"id": "string", "title": "string", "pass_mark": "int"}), "lexicon": _LEXICON,
    "dimensions": "array<" + _struct({"id": "string", "title": "string", "cap": "int", "potential": "int", "deducted": "int", "score": "int",
                                  "not_applicable": "array<string>"}) + ">",
    "deductions": f"array<{_DEDUCTION}>", "findings": f"array<{_FINDING}>", "turns": f"array<{_TURN}>",
    "stats": _struct({"turns": "int", "agent_turns": "int", "duration_ms": "bigint"}), "error": "string",
}

UTTERANCE = _struct(_UTTERANCE)
UTTERANCE_FIELDS = list(_UTTERANCE)
CONVERSATION = _columns(_CONVERSATION)
CONVERSATION_FIELDS = list(_CONVERSATION)
