"""`POST /v1/conversations/score`: a whole call or chat scored on a template, as `phrasecheck score` does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from phrasecheck import Checker, PhrasecheckError
from phrasecheck.lexicon import available_packs
from phrasecheck.qa.house import HouseRules, HouseRulesError
from phrasecheck.qa.template import available_templates

from ..deps import ServiceDep, json_body, request_body, timed
from ..errors import ApiError, error_responses
from ..models import ConversationResultOut, ScoreRequest

router = APIRouter(tags=["check"])


@router.post("/v1/conversations/score", responses={200: {"model": ConversationResultOut}, **error_responses(404, 503)},
             openapi_extra=request_body(ScoreRequest))
async def score_conversation(request: Request, service: ServiceDep) -> Response:
    """Score a whole call or chat on a template (default `call-centre`): every turn checked, the
    conversation rules (greeting, farewell, apology after a wait…, and any `house_rules`),
    deductions, grade, pass/fail.

    A turn's `role` takes the same words as transcript files and the command line (客户, 坐席, 0, 1…)."""
    body = await json_body(request, ScoreRequest)
    for index, turn in enumerate(body.turns):
        service.require_text_fits(turn.text, f"turns[{index}].text", index)
    loaded = await service.packs.compiled(body.pack)
    template = None
    if body.template is not None:
        known = list(available_templates())
        if body.template not in known:
            raise ApiError(404, "unknown_template", f"unknown template {body.template!r} (known templates: {', '.join(known)})",
                           {"known_templates": known})
        template = await run_in_threadpool(loaded.checker.template, body.template)
    house = None
    if body.house_rules is not None:
        house = await run_in_threadpool(_house_rules, loaded.checker, body.house_rules)
    return timed(lambda: loaded.checker.score_conversation(body, template, house_rules=house).to_dict())


def _house_rules(checker: Checker, document: str | dict[str, Any]) -> HouseRules:
    """The request's house rules compiled (cached per checker), or the error naming rule and field."""
    if isinstance(document, str):
        known = available_packs()
        if document not in known:
            raise ApiError(404, "unknown_pack", f"unknown pack {document!r} in house_rules (known packs: {', '.join(known)})",
                           {"known_packs": list(known)})
    try:
        return checker.house_rules(document)
    except HouseRulesError as error:
        raise ApiError(422, "invalid_house_rules", str(error), [{"rule": error.rule, "field": error.field}]) from None
    except PhrasecheckError as error:  # a named pack that does not load
        raise ApiError(422, "invalid_house_rules", str(error), [{"rule": None, "field": None}]) from None
