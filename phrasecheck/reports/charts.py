"""Geometry for the inline-SVG charts of report.html (no chart library: the page stays one file)."""

from __future__ import annotations

from typing import Any


def vertical_bars(bars: list[tuple[str, float, str]], axis: str, floor: float = 0) -> dict[str, Any]:
    """Geometry for an inline-SVG column chart: one `rect.bar` per (label, count, css class);
    bars rise from `floor` (a mean-score chart starts near its lowest mean, and says so)."""
    width, height, top, bottom, left = 560, 170, 20, 28, 8
    slot = (width - 2 * left) / max(len(bars), 1)
    peak = max((n for _, n, _ in bars), default=0) - floor or 1
    plot = height - top - bottom
    items = []
    for i, (label, n, cls) in enumerate(bars):
        h = plot * max(n - floor, 0) / peak
        x = left + i * slot
        items.append({"label": label, "count": n, "cls": cls, "x": round(x + slot * 0.15, 1), "w": round(slot * 0.7, 1),
                      "y": round(top + plot - h, 1), "h": round(h, 1), "cx": round(x + slot / 2, 1)})
    return {"width": width, "height": height, "base": top + plot, "bars": items, "axis": axis, "floor": floor}


def horizontal_bars(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry for the top-rules chart: label line above each bar so long rule ids never clip."""
    width, row, left, right = 560, 32, 4, 44
    peak = max((r["hits"] for r in rules), default=0) or 1
    items = []
    for i, r in enumerate(rules):
        y = 6 + i * row
        w = max((width - left - right) * r["hits"] / peak, 2)
        items.append({"rule": r["rule"], "category": r["category"], "severity": r["severity"] or "info",
                      "count": r["hits"], "y_label": y + 11, "y": y + 15, "w": round(w, 1), "x": left})
    return {"width": width, "height": max(len(items), 1) * row + 8, "bars": items}
