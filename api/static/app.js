// The try-it page: checks the message as it is typed and shows what the chat tool would see.
"use strict";

const $ = (id) => document.getElementById(id);
const DECISIONS = { pass: "通过", warn: "提醒", block: "拦截" };
const SEVERITIES = { info: "提示", warning: "警告", error: "错误", critical: "严重" };
let pending = null; // AbortController of the request in flight
let timer = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = sessionStorage.getItem("phrasecheck-key");
  if (key) h["X-API-Key"] = key;
  return h;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers() });
  if (response.status === 401) {
    $("key-field").hidden = false;
    throw new Error("需要 API key：请在上方填写");
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return { body, timing: response.headers.get("Server-Timing") };
}

async function loadPacks() {
  try {
    const { body } = await api("/v1/packs");
    const select = $("pack");
    select.replaceChildren();
    for (const pack of body.packs.filter((p) => !p.error)) {
      const option = new Option(`${pack.title}（${pack.name}）`, pack.name);
      option.selected = pack.name === body.default;
      select.append(option);
    }
  } catch (error) {
    $("status").textContent = error.message;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(check, 150);
}

async function check() {
  const text = $("text").value;
  if (pending) pending.abort();
  if (!text.trim()) {
    $("result").hidden = true;
    $("status").textContent = "";
    return;
  }
  pending = new AbortController();
  const request = { text, role: $("role").value, pack: $("pack").value || undefined };
  try {
    const { body, timing } = await api("/v1/check", {
      method: "POST", body: JSON.stringify(request), signal: pending.signal,
    });
    $("status").textContent = "";
    show(body, timing, text);
  } catch (error) {
    if (error.name !== "AbortError") $("status").textContent = error.message;
  }
}

function show(result, timing, text) {
  $("result").hidden = false;
  const decision = $("decision");
  decision.textContent = DECISIONS[result.decision] || result.decision;
  decision.className = `badge ${result.decision}`;
  $("score").textContent = result.scored ? `得分 ${result.score}` : "客户消息不评分";
  const ms = /dur=([\d.]+)/.exec(timing || "");
  $("timing").textContent = ms ? `检查用时 ${Number(ms[1]).toFixed(2)} ms · ${result.lexicon.pack} ${result.lexicon.version}` : "";
  highlight(result, text);
  listViolations(result.violations);
  $("rewrite-block").hidden = !result.rewrite;
  $("rewrite").textContent = result.rewrite || "";
}

// Offsets are Python str indices (code points); JavaScript strings count UTF-16 units, so slice by code point.
function highlight(result, text) {
  const chars = Array.from(text);
  const box = $("highlighted");
  box.replaceChildren();
  let at = 0;
  for (const v of [...result.violations].sort((a, b) => a.start - b.start)) {
    if (v.start < at) continue;
    box.append(chars.slice(at, v.start).join(""));
    const mark = document.createElement("mark");
    mark.className = v.severity;
    mark.textContent = chars.slice(v.start, v.end).join("");
    mark.dataset.rule = v.rule;
    mark.dataset.tip = `${v.rule} · ${v.category} · ${SEVERITIES[v.severity] || v.severity}\n${v.message}`;
    mark.setAttribute("aria-label", mark.dataset.tip);
    mark.tabIndex = 0;
    box.append(mark);
    at = v.end;
  }
  box.append(chars.slice(at).join(""));
}

function listViolations(violations) {
  $("violations-block").hidden = violations.length === 0;
  const list = $("violations");
  list.replaceChildren();
  for (const v of violations) {
    const item = document.createElement("li");
    const head = document.createElement("div");
    head.className = "head";
    const tag = document.createElement("span");
    tag.className = `sev ${v.severity}`;
    tag.textContent = SEVERITIES[v.severity] || v.severity;
    const what = document.createElement("strong");
    what.textContent = `「${v.matched}」`;
    const meta = document.createElement("span");
    meta.className = "meta";
    const entry = v.entry ? ` · 词表「${v.entry}」` : "";  // the house word list entry that matched
    meta.textContent = `${v.category} · ${v.rule}${entry} · ${v.match_type} ${v.confidence.toFixed(2)}`;
    head.append(tag, what, meta);
    const why = document.createElement("p");
    why.textContent = v.message;
    item.append(head, why);
    if (v.suggestions.length) {
      const say = document.createElement("p");
      say.className = "standard";
      say.textContent = `应说：${v.suggestions.join(" / ")}`;
      item.append(say);
    }
    list.append(item);
  }
}

async function copyRewrite() {
  const text = $("rewrite").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API (plain http on another host, older browsers): select and copy the old way.
    const range = document.createRange();
    range.selectNodeContents($("rewrite"));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  $("copy").textContent = "已复制";
  setTimeout(() => ($("copy").textContent = "复制"), 1200);
}

$("text").addEventListener("input", schedule);
$("pack").addEventListener("change", check);
$("role").addEventListener("change", check);
$("copy").addEventListener("click", copyRewrite);
$("key").addEventListener("change", (event) => {
  sessionStorage.setItem("phrasecheck-key", event.target.value);
  loadPacks().then(check);
});
loadPacks();
