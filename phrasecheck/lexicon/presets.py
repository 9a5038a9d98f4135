"""The `kind:` shorthands of the first conversation rules, as the operator trees they stand for.

Packs written before operators existed say `kind: opening, cues: […]`; each such rule becomes
the `check` written out in docs/operators.md (“The built-in rules, written out”), with the
messages those kinds always gave, so old packs keep loading and keep their findings.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from .courtesy import CourtesyKind
from .fields import StrictModel

PRESETS = ("opening", "closing", "after_wait", "refusal", "unresolved_unknown", "coverage", "address_style")
_SHARED = ("id", "kind", "title", "category", "severity", "why", "suggest", "source", "examples")


class _Preset(StrictModel):
    """The fields a `kind:` rule may carry besides the shared ones (validated here, then dropped)."""

    kind: Literal[PRESETS]  # type: ignore[valid-type]
    channels: list[Literal["call", "chat"]] = ["call", "chat"]
    within: int = Field(1, ge=1, le=5)  # opening/closing: agent turns counted from the start/end
    cues: list[str] = []
    courtesy: list[CourtesyKind] = []
    triggers: list[str] = []
    unless: list[str] = []
    require: dict[str, list[str]] = {}
    window: int = Field(0, ge=0, le=3)  # later agent turns that may still fill the slots
    threshold_ms: int = Field(30_000, ge=0)  # after_wait: silence before an agent turn that needs an apology
    min_share: float = Field(0.6, gt=0, le=1)  # coverage: share of the cues the agent must use


_NEEDS = {
    "opening": ("cues",), "closing": ("cues",), "after_wait": ("cues",), "coverage": ("cues",),
    "refusal": ("triggers", "require"), "unresolved_unknown": ("triggers", "cues"), "address_style": ("triggers", "cues"),
}


def expand_preset(data: dict[str, Any]) -> dict[str, Any]:
    """A `kind:` rule as a rule with `check` (and `when`, `message`, `report` where the kind implies them)."""
    if data.get("kind") not in PRESETS:
        raise ValueError("a conversation rule needs `check` (built from operators, see docs/operators.md) "
                         f"or a `kind` preset ({', '.join(PRESETS)})")
    try:
        preset = _Preset.model_validate({k: v for k, v in data.items() if k not in _SHARED or k == "kind"})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(rule)"
        raise ValueError(f"{field}: {first['msg'].removeprefix('Value error, ')}") from None
    for name in _NEEDS[preset.kind]:
        if name == "cues" and (preset.cues or preset.courtesy):
            continue
        if not getattr(preset, name):
            raise ValueError(f"a {preset.kind} rule needs `{name}`" + (" or `courtesy`" if name == "cues" else ""))
    rule = {k: v for k, v in data.items() if k in _SHARED}
    rule.update(_check(preset))
    if set(preset.channels) != {"call", "chat"}:
        rule["when"] = {"channel": list(preset.channels)}
    return rule


def _check(p: _Preset) -> dict[str, Any]:
    cues = {"say": {"role": "agent", "patterns": p.cues, "courtesy": p.courtesy}}
    triggers = {"say": {"role": "agent", "patterns": p.triggers, "unless": p.unless}}
    if p.kind in ("opening", "closing"):
        return {"check": {"absent": cues, "range": {"role": "agent", ("first" if p.kind == "opening" else "last"): p.within}}}
    if p.kind == "after_wait":
        waited = {"silence": {"seconds": p.threshold_ms / 1000, "role": "agent", "holds": True}}
        return {"check": {"anchor": {"to": waited, "where": "same", "check": {"absent": cues}}},
                "message": ["客户等待 {seconds} 秒后回复，未致歉（{title}）", "保持后回复，未致歉（{title}）"]}
    if p.kind == "refusal":
        slots = [{"absent": {"say": {"role": "agent", "patterns": patterns}}, "label": slot} for slot, patterns in p.require.items()]
        return {"check": {"anchor": {"to": triggers, "within": {"turns": p.window, "role": "agent"}, "check": {"any": slots}}},
                "message": "{title}（缺少：{labels}）"}
    if p.kind == "unresolved_unknown":
        return {"check": {"anchor": {"to": triggers, "within": {"turns": p.window, "role": "agent"}, "check": {"absent": cues}}}}
    if p.kind == "coverage":
        return {"check": {"count": {"of": cues, "distinct": True, "fewer_than": f"{p.min_share * 100:g}%"}, "range": {"role": "agent"}},
                "message": "{title}：用了 {count}/{total}，未用 {missing}"}
    return {"check": {"all": [{"absent": cues}, triggers]}, "report": "first"}  # address_style: the cheap test first
