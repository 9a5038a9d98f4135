"""Does the service stall? `/healthz` latency while heavy requests run.

    python benchmarks/stall.py [--duration 20] [--clients 4] [--reloads]

Starts `phrasecheck serve` (1 uvicorn worker, `benchmarks/load.py`'s `start_server`) with limits
raised far enough that the heavy requests are admitted (they are meant to load the service, not
to be refused at the door), then for `--duration` seconds:
- `--clients` loops each send heavy requests one after the other, in turn: one `/v1/check` of
  5,000 adversarial characters (「你办啥」 repeated: quadratic in the engine before issue 13), one
  of 165 (a body small enough for the event loop to check it itself, within its share), a
  `/v1/check/batch` of 20 long items, and a 12,000-turn `/v1/conversations/score`;
- with `--reloads`, `POST /v1/admin/reload` every 3 seconds as well (a pack compile in the server);
- one poller asks `GET /healthz` every 20 ms, each with a 30 s timeout.

Prints the healthz latency p50/p99/max (a request that timed out counts as 30 s) and what the
heavy requests got (status codes, their own latency).  A service that never stalls answers
`/healthz` within 100 ms at p99 and the heavy requests with 200 or a fast 503.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import time

import httpx

from load import free_port, start_server

ADVERSARIAL = "你办啥" * 1666  # 4,998 characters, under the default 5,000-character limit
HEAVY = [  # label, path, JSON body
    ("check 5,000 adversarial chars", "/v1/check", {"text": ADVERSARIAL}),
    ("check 165 adversarial chars", "/v1/check", {"text": ADVERSARIAL[:165]}),  # small enough to be checked inline
    ("batch of 20 such items", "/v1/check/batch", {"items": [{"text": ADVERSARIAL}] * 20}),
    ("conversation of 12,000 turns", "/v1/conversations/score", {"id": "long-call", "turns": [
        {"role": "agent" if i % 2 else "customer", "text": "您好，请问有什么可以帮您？" if i % 2 else "我的转账怎么还没到"}
        for i in range(12_000)]}),
]
BODIES = {label: json.dumps(body, ensure_ascii=False).encode() for label, _, body in HEAVY}  # encoded once: the
# client's own event loop, which also times /healthz, must not stall encoding them
JSON = {"content-type": "application/json"}
RAISED_LIMITS = {"PHRASECHECK_MAX_TURNS": "12000", "PHRASECHECK_MAX_REQUEST_CHARS": "1000000"}
POLL_TIMEOUT = 30.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def heavy_loop(client: httpx.AsyncClient, start: int, until: float, outcomes: dict) -> None:
    turn = start
    while time.monotonic() < until:
        label, path, _ = HEAVY[turn % len(HEAVY)]
        turn += 1
        started = time.perf_counter()
        try:
            status = (await client.post(path, content=BODIES[label], headers=JSON)).status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        outcomes[label].append((status, time.perf_counter() - started))


async def reload_loop(client: httpx.AsyncClient, until: float, outcomes: dict) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(3)
        started = time.perf_counter()
        try:
            status = (await client.post("/v1/admin/reload")).status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        outcomes["admin reload"].append((status, time.perf_counter() - started))


async def poll(base: str, until: float) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(base_url=base, timeout=POLL_TIMEOUT) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                (await client.get("/healthz")).raise_for_status()
                latencies.append(time.perf_counter() - started)
            except httpx.TimeoutException:
                latencies.append(POLL_TIMEOUT)
            await asyncio.sleep(0.02)
    return latencies


async def measure(base: str, duration: float, clients: int, reloads: bool) -> tuple[list[float], dict]:
    outcomes: dict = collections.defaultdict(list)
    until = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        loops = [asyncio.create_task(heavy_loop(client, i, until, outcomes)) for i in range(clients)]
        if reloads:
            loops.append(asyncio.create_task(reload_loop(client, until, outcomes)))
        await asyncio.sleep(0.5)  # let the heavy requests get going
        latencies = await poll(base, until)
        for task in loops:  # a request still in flight (a stalled server) is not waited for
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
    return latencies, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds of load (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent heavy-request loops (default 4)")
    parser.add_argument("--reloads", action="store_true", help="also reload the lexicon every 3 s")
    parser.add_argument("--pack", default="bank-counter")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON as well")
    args = parser.parse_args()

    os.environ.update({k: os.environ.get(k, v) for k, v in RAISED_LIMITS.items()})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.pack, port)
    try:
        latencies, outcomes = asyncio.run(measure(base, args.duration, args.clients, args.reloads))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a stalled server may not get round to shutting down
            server.kill()
            server.wait()

    ms = [s * 1000 for s in latencies]
    summary = {"healthz": {"requests": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "max_ms": max(ms),
                           "timed_out": sum(s >= POLL_TIMEOUT for s in latencies)}, "heavy": {}}
    print(f"\n{args.clients} heavy-request loops{' and a reload every 3 s' if args.reloads else ''} for {args.duration:g} s, "
          f"pack {args.pack}, {os.cpu_count()} cores")
    h = summary["healthz"]
    print(f"GET /healthz every 20 ms: {h['requests']} answered, p50 {h['p50_ms']:.1f} ms, p99 {h['p99_ms']:.1f} ms, "
          f"max {h['max_ms']:.1f} ms, timed out (>{POLL_TIMEOUT:g} s) {h['timed_out']}")
    print(f"{'heavy request':32} {'sent':>5} {'statuses':24} {'p50 s':>7} {'max s':>7}")
    for label, results in outcomes.items():
        statuses = collections.Counter(str(status) for status, _ in results)
        seconds = [s for _, s in results]
        summary["heavy"][label] = {"statuses": dict(statuses), "p50_s": percentile(seconds, 50), "max_s": max(seconds)}
        listed = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
        print(f"{label:32} {len(results):5} {listed:24} {percentile(seconds, 50):7.2f} {max(seconds):7.2f}")
    if args.json:
        print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    sys.exit(main())
