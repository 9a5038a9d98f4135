"""`GET /v1/packs` and `GET /v1/rules`: what a client can choose and what each pack applies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from phrasecheck import LexiconError
from phrasecheck.lexicon import available_packs, load_packs, search_path

from ..deps import ServiceDep
from ..errors import error_responses
from ..reload import file_stamp
from ..models import PacksOut, RulesOut

router = APIRouter(tags=["lexicon"])
_listed: dict[tuple, list[dict[str, Any]]] = {}  # the last listing, keyed by every pack file's path and stamp


def _pack_listing() -> list[dict[str, Any]]:
    key = tuple((p, file_stamp(p)) for d in search_path() for p in sorted(d.glob("*.yaml")))
    if key not in _listed:
        listed = []
        for name, path in available_packs().items():
            try:
                chain = load_packs([str(path)])
            except LexiconError as error:
                listed.append({"name": name, "error": str(error)})
                continue
            pack = chain[-1].pack
            listed.append({"name": name, "title": pack.title, "version": pack.version, "description": pack.description,
                           "setting": pack.setting, "extends": pack.extends, "rules": sum(len(p.pack.rules) for p in chain)})
        _listed.clear()
        _listed[key] = listed
    return _listed[key]


@router.get("/v1/packs", response_model=PacksOut, response_model_exclude_unset=True, responses=error_responses())
def list_packs(service: ServiceDep) -> dict[str, Any]:
    """Installed packs: name, title, version, how many rules checking with it applies, description."""
    return {"default": service.settings.pack, "packs": _pack_listing()}


@router.get("/v1/rules", response_model=RulesOut, responses=error_responses(404, 503))
async def list_rules(service: ServiceDep, pack: str | None = Query(None, description="Pack name; the server's default otherwise.")) -> dict[str, Any]:
    """The rules a pack applies, with why, the standard lines and their own examples."""
    loaded = await service.packs.compiled(pack)
    rules = [{
        "id": r.id, "pack": c.pack, "pair": r.pair, "category": r.category, "severity": r.severity,
        "scenario": r.scenario, "why": r.why, "suggest": list(r.suggest), "source": r.origin,
        "examples": {"flag": list(r.examples.flag), "clean": list(r.examples.clean)} if r.examples else {"flag": [], "clean": []},
    } for c in loaded.checker.rules for r in (c.rule,)]
    return {"pack": loaded.name, "lexicon": loaded.checker.lexicon, "rules": rules}
