"""Load benchmark of the REST service: requests/s and latency under wrk, server-side check time.

    apt-get install -y wrk && python benchmarks/load.py [--duration 4] [--rounds 3] [--connections 32]

Starts `phrasecheck serve` (uvicorn, 1 worker, no access log) on a free loopback port, then
1. drives each endpoint with `wrk -t1 -cN -dDs --latency` (wrk and the server share the cores):
   the trivial `GET /v1/ping` (the framework's own cost) and `POST /v1/ping` (the same plus
   reading a request body of the short message's size), and `POST /v1/check` with realistic agent
   replies of 60 and ~500 characters, clean and with a violation, plus a customer turn (the whole
   endpoint without the engine's work, which customer turns skip); every case once per round, in
   `--rounds` rounds, so that a machine slowing down for a while (other tenants) slows every case
   alike; reports each case's median requests/s and latency p50/p99/p99.9 over the rounds, and its
   requests/s as a share of the pings' in the same round (the median of those shares);
2. sends sequential requests with httpx and reads `Server-Timing: check;dur=…` to report the
   server-side time of the check itself (p50/p99/p99.9).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

# Replies written for this benchmark (not from the devset): what a bank's chat agent sends.
SHORT = "您好，您的银行卡挂失已经办好了，新卡大约七个工作日后可以领取，到时会有短信通知您，请您留意手机信息，还有什么可以帮您的吗？"
LONG = (
    "您好，感谢您耐心等待，我这边已经帮您查询到了这笔转账的具体情况。根据系统记录，您在本月十二号下午三点左右通过手机银行"
    "向尾号为六八二一的账户转出了五千元，这笔交易目前显示的状态是处理中，还没有最终到账。出现这种情况一般是因为收款方开户行"
    "的系统在进行日终处理，或者跨行转账需要经过人民银行的清算系统，通常会在一到两个工作日内自动完成。如果超过两个工作日仍然"
    "没有到账，款项会原路退回到您的账户，不会产生任何损失，手续费也会一并退还。为了方便您随时掌握进度，我已经为您登记了这笔"
    "业务的跟踪单，单号会以短信形式发送到您预留的手机号码上，您可以凭单号拨打我们的客服热线查询。关于您刚才提到的信用卡账单"
    "分期，目前我们提供三期、六期和十二期三种方案，每期的手续费率不同，您可以在手机银行的信用卡页面查看详细说明后再决定是否"
    "办理。另外提醒您，近期有不法分子冒充银行工作人员以退款或者解冻为由索要验证码，我们的工作人员不会向您索要密码和验证码，"
    "请您务必注意保护个人信息。{middle}请问还有其他需要我帮您处理的事情吗？祝您生活愉快，再见。"
)
LONG_CLEAN = LONG.format(middle="如果您在使用手机银行时遇到任何问题，也可以到就近的网点咨询，我们的大堂经理会协助您办理。")
LONG_VIOLATION = LONG.format(middle="急什么，没看见我正忙吗？手机银行的问题您自己去网点问吧，我们这边只负责转账。")

CASES = [  # label, method, path, JSON body
    ("GET /v1/ping (trivial)", "GET", "/v1/ping", None),
    (f"POST /v1/ping (trivial, {len(SHORT)}-char body)", "POST", "/v1/ping", {"text": SHORT}),
    (f"check {len(SHORT)} chars, role=customer (no engine)", "POST", "/v1/check", {"text": SHORT, "role": "customer"}),
    (f"check {len(SHORT)} chars, clean", "POST", "/v1/check", {"text": SHORT}),
    (f"check {len(LONG_CLEAN)} chars, clean", "POST", "/v1/check", {"text": LONG_CLEAN}),
    (f"check {len(LONG_VIOLATION)} chars, violation", "POST", "/v1/check", {"text": LONG_VIOLATION}),
]

LUA = """
wrk.method = {method}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  for _, p in ipairs({{50, 99, 99.9}}) do
    io.write(string.format("PCT %g %d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("ERRORS %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def lua_string(text: str) -> str:
    """A Lua long-bracket literal: no escapes, UTF-8 passes through as bytes."""
    assert "]==]" not in text
    return f"[==[{text}]==]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(pack: str, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "phrasecheck.cli", "serve", "--port", str(port), "--pack", pack,
               "--workers", "1", "--no-access-log", "--no-reload-lexicons"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited: {server.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("the server was not ready within 60 s")


def run_wrk(url: str, method: str, body: dict | None, duration: int, connections: int, workdir: Path) -> dict:
    script = workdir / "case.lua"
    payload = json.dumps(body, ensure_ascii=False) if body is not None else ""
    script.write_text(LUA.format(method=lua_string(method), body=lua_string(payload)), encoding="utf-8")
    run = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True)
    if run.stderr.strip():
        sys.exit(f"wrk: {run.stderr.strip()}")
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {float(p): int(us) / 1000 for p, us in re.findall(r"^PCT ([\d.]+) (\d+)$", out, re.M)}
    errors = int(re.search(r"^ERRORS (\d+)$", out, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": pct[50.0], "p99_ms": pct[99.0], "p999_ms": pct[99.9],
            "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0)}


def server_timing(base: str, body: dict, samples: int) -> dict:
    """Server-side check time from `Server-Timing`, over sequential requests (no queueing)."""
    durations = []
    with httpx.Client(base_url=base) as client:
        for _ in range(samples):
            response = client.post("/v1/check", json=body)
            response.raise_for_status()
            durations.append(float(re.search(r"check;dur=([\d.]+)", response.headers["server-timing"]).group(1)))
    durations.sort()

    def at(p: float) -> float:
        return durations[min(len(durations) - 1, int(p / 100 * len(durations)))] * 1000

    return {"p50_us": at(50), "p99_us": at(99), "p999_us": at(99.9), "decision": response.json()["decision"]}


def summary(runs: list[dict], gets: list[dict], posts: list[dict]) -> dict:
    """One case over the rounds: median requests/s and latencies, errors summed, and its
    requests/s as a share of each ping's in the same round (their medians, and each round's)."""
    vs_post = [run["rps"] / post["rps"] for run, post in zip(runs, posts)]
    return {"rps": statistics.median(r["rps"] for r in runs),
            **{key: statistics.median(r[key] for r in runs) for key in ("p50_ms", "p99_ms", "p999_ms")},
            "errors": sum(r["errors"] for r in runs),
            "vs_get": statistics.median(run["rps"] / get["rps"] for run, get in zip(runs, gets)),
            "vs_post": statistics.median(vs_post), "vs_post_rounds": vs_post}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every case, interleaved (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--samples", type=int, default=2000, help="sequential requests per Server-Timing sample (default 2000)")
    parser.add_argument("--pack", default="bank-counter")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON as well")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.pack, port)
    rounds: list[list[dict]] = []  # per round, per case
    timings = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _, method, path, body in CASES:
                run_wrk(base + path, method, body, 2, args.connections, Path(tmp))  # warm-up
            for _ in range(args.rounds):
                rounds.append([run_wrk(base + path, method, body, args.duration, args.connections, Path(tmp))
                               for _, method, path, body in CASES])
        for label, _, path, body in CASES:
            if path == "/v1/check":
                timings.append((label, server_timing(base, body, args.samples)))
    finally:
        server.terminate()
        server.wait(timeout=10)

    rows = [(label, summary([run[index] for run in rounds], [run[0] for run in rounds], [run[1] for run in rounds]))
            for index, (label, *_) in enumerate(CASES)]
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s × {args.rounds} rounds, pack {args.pack}, 1 uvicorn worker, "
          f"{os.cpu_count()} cores shared with wrk; medians over the rounds")
    print(f"{'endpoint':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'vs GET':>7} {'vs POST':>8} {'errors':>7}")
    for label, r in rows:
        print(f"{label:44} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['p999_ms']:9.2f}"
              f" {r['vs_get']:7.2f} {r['vs_post']:8.2f} {r['errors']:7d}")
    print("\nvs POST in each round")
    for label, r in rows[2:]:
        print(f"{label:44} " + "  ".join(f"{v:.2f}" for v in r["vs_post_rounds"]))
    print(f"\nserver-side check time (Server-Timing, {args.samples} sequential requests each)")
    print(f"{'message':44} {'decision':>8} {'p50 µs':>8} {'p99 µs':>8} {'p99.9 µs':>9}")
    for label, t in timings:
        print(f"{label:44} {t['decision']:>8} {t['p50_us']:8.0f} {t['p99_us']:8.0f} {t['p999_us']:9.0f}")
    if args.json:
        print(json.dumps({"wrk": dict(rows), "server_timing": dict(timings)}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
