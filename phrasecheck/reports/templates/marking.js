// Review marks: a reviewer marks each hit ✓ confirmed / ✗ false / ◐ partly (with a note and, for ◐,
// the rule it should have been), adds a missed violation on a turn (select its words first), and
// downloads every mark as a verdicts CSV that `phrasecheck review RUN_DIR FILE` applies.  The page
// stays one file: marks live in this page's localStorage entry until exported; no server.
(function () {
  "use strict";
  var page = window.PHRASECHECK_PAGE || { report: "", rules: [], marks: [] };
  var COLUMNS = ["kind", "conversation", "turn", "rule", "start", "end", "matched", "verdict", "corrected_rule",
                 "standard_line", "reviewer", "time", "note", "appellant", "reason", "resolution", "final"];
  var LABELS = { confirmed: "✓", "false": "✗", partly: "◐" };
  var TITLES = { confirmed: "确认：命中正确", "false": "误报：不是违规", partly: "部分正确：是问题，但没这么严重或不是这条规则" };
  var storeKey = "phrasecheck-review:" + page.report;
  var marks = new Map();  // hit key → verdict row
  var lastSelection = null;  // {turn: li, start, end, matched} of the latest selection inside a turn's text

  function key(row) {
    return [row.conversation, row.turn, row.rule, row.start, row.end].map(String).join("\u0001");
  }
  function hitRow(el) {
    var d = el.dataset;
    return { kind: "review", conversation: d.conv, turn: d.turn, rule: d.rule, start: d.start, end: d.end, matched: d.matched };
  }
  function pad(n) { return String(Math.floor(Math.abs(n))).padStart(2, "0"); }
  function now() {  // local time with its UTC offset, e.g. 2024-05-01T10:02:03+08:00
    var d = new Date(), z = -d.getTimezoneOffset();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + (z < 0 ? "-" : "+") + pad(z / 60) + ":" + pad(z % 60);
  }
  var reviewerInput = document.getElementById("reviewer");
  function reviewer() { return reviewerInput ? reviewerInput.value.trim() : ""; }

  function load() {
    (page.marks || []).forEach(function (row) { marks.set(key(row), row); });
    try {
      var saved = localStorage.getItem(storeKey);
      if (saved) {
        marks.clear();
        JSON.parse(saved).forEach(function (row) { marks.set(key(row), row); });
      }
      if (reviewerInput) { reviewerInput.value = localStorage.getItem("phrasecheck-reviewer") || ""; }
    } catch (e) { /* no storage for this page: marks last until it is closed */ }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(Array.from(marks.values()))); } catch (e) { /* see load */ }
    var n = marks.size;
    document.getElementById("verdict-count").textContent = n + " 条复核结论";
    document.getElementById("export-verdicts").disabled = n === 0;
  }

  function element(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text) { el.textContent = text; }
    return el;
  }
  function input(cls, placeholder, list) {
    var el = element("input", cls);
    el.placeholder = placeholder;
    if (list) { el.setAttribute("list", list); }
    return el;
  }

  // -- marking a hit ---------------------------------------------------------------------------
  function paint(hitKey) {
    var row = marks.get(hitKey);
    document.querySelectorAll("[data-hit]").forEach(function (el) {
      if (el.hitKey !== hitKey) { return; }
      var verdict = row ? row.verdict : "";
      el.dataset.verdict = verdict;
      el.querySelectorAll("button.v").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.verdict === verdict)); });
      var note = el.querySelector(".v-note"), corrected = el.querySelector(".v-corrected");
      note.hidden = !row;
      corrected.hidden = verdict !== "partly";
      if (document.activeElement !== note) { note.value = row ? row.note || "" : ""; }
      if (document.activeElement !== corrected) { corrected.value = row ? row.corrected_rule || "" : ""; }
    });
  }
  function decorate(el) {
    el.hitKey = key(hitRow(el));
    var box = element("div", "mark");
    ["confirmed", "false", "partly"].forEach(function (verdict) {
      var b = element("button", "v v-" + verdict, LABELS[verdict]);
      b.type = "button";
      b.dataset.verdict = verdict;
      b.title = TITLES[verdict];
      b.addEventListener("click", function () {
        var old = marks.get(el.hitKey);
        if (old && old.verdict === verdict) {
          marks.delete(el.hitKey);
        } else {
          var row = hitRow(el);
          row.verdict = verdict;
          row.reviewer = reviewer();
          row.time = now();
          row.note = old ? old.note || "" : "";
          row.corrected_rule = verdict === "partly" && old ? old.corrected_rule || "" : "";
          marks.set(el.hitKey, row);
        }
        save();
        paint(el.hitKey);
      });
      box.appendChild(b);
    });
    var note = input("v-note", "备注");
    var corrected = input("v-corrected", "应为规则（可空）", "rule-ids");
    note.hidden = corrected.hidden = true;  // until the hit is marked
    note.addEventListener("input", function () { edit(el.hitKey, "note", note.value); });
    corrected.addEventListener("input", function () { edit(el.hitKey, "corrected_rule", corrected.value.trim()); });
    box.appendChild(note);
    box.appendChild(corrected);
    el.appendChild(box);
  }
  function edit(hitKey, field, value) {
    var row = marks.get(hitKey);
    if (row) { row[field] = value; save(); paint(hitKey); }
  }

  // -- adding a missed violation --------------------------------------------------------------------
  function codePoints(text) { return Array.from(text).length; }
  function remember() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var text = range.commonAncestorContainer.nodeType === 1 ? range.commonAncestorContainer : range.commonAncestorContainer.parentNode;
    text = text && text.closest(".turn .text");
    if (!text) { return; }
    var before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var start = codePoints(before.toString()), matched = range.toString();
    lastSelection = { turn: text.closest("li.turn"), start: start, end: start + codePoints(matched), matched: matched };
  }
  function missedBlock(row) {
    var block = element("div", "note missed");
    block.hitKey = key(row);
    var head = element("div", "note-head");
    head.appendChild(element("span", "sev", "漏检"));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(element("code", "", row.rule));
    if (row.matched) { head.appendChild(document.createTextNode(" 「" + row.matched + "」")); }
    var remove = element("button", "remove", "删除");
    remove.type = "button";
    remove.addEventListener("click", function () { marks.delete(block.hitKey); block.remove(); save(); });
    head.appendChild(document.createTextNode(" "));
    head.appendChild(remove);
    block.appendChild(head);
    if (row.note) { block.appendChild(element("div", "why", row.note)); }
    return block;
  }
  function showMissed(row) {
    var turn = document.querySelector('li.turn[data-conv="' + CSS.escape(row.conversation) + '"][data-turn="' + CSS.escape(String(row.turn)) + '"]');
    if (turn) {
      var notes = turn.querySelector(".notes");
      notes.insertBefore(missedBlock(row), notes.querySelector(".add-missed"));
    }
  }
  function openForm(turn, button) {
    var chosen = lastSelection && lastSelection.turn === turn ? lastSelection : null;
    var form = element("div", "missed-form");
    form.appendChild(element("span", "where", chosen ? "「" + chosen.matched + "」" : "（整句）"));
    var rule = input("m-rule", "规则 id", "rule-ids");
    var note = input("m-note", "备注");
    var add = element("button", "m-add", "添加");
    var cancel = element("button", "m-cancel", "取消");
    add.type = cancel.type = "button";
    [rule, note, add, cancel].forEach(function (el) { form.appendChild(el); });
    add.addEventListener("click", function () {
      if (!rule.value.trim()) { rule.focus(); return; }
      var row = { kind: "review", conversation: turn.dataset.conv, turn: turn.dataset.turn, rule: rule.value.trim(),
                  start: chosen ? String(chosen.start) : "", end: chosen ? String(chosen.end) : "",
                  matched: chosen ? chosen.matched : "", verdict: "missed", reviewer: reviewer(), time: now(), note: note.value };
      marks.set(key(row), row);
      form.remove();
      button.hidden = false;
      showMissed(row);
      save();
    });
    cancel.addEventListener("click", function () { form.remove(); button.hidden = false; });
    button.hidden = true;
    button.parentNode.insertBefore(form, button);
    rule.focus();
  }

  // -- the verdicts file ----------------------------------------------------------------------------
  function cell(value) {
    var text = value === undefined || value === null ? "" : String(value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csv() {
    var lines = [COLUMNS.join(",")];
    marks.forEach(function (row) {
      lines.push(COLUMNS.map(function (c) { return cell(row[c]); }).join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  function download() {
    var blob = new Blob([csv()], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "verdicts-" + now().slice(0, 16).replace(/[-:]/g, "").replace("T", "-") + ".csv";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  if (!document.getElementById("review-bar")) { return; }
  var list = element("datalist");
  list.id = "rule-ids";
  var known = new Set();
  page.rules.forEach(function (r) { known.add(r.rule); var o = element("option"); o.value = r.rule; o.label = r.title; list.appendChild(o); });
  document.querySelectorAll("[data-hit]").forEach(function (el) {
    if (!known.has(el.dataset.rule)) { known.add(el.dataset.rule); var o = element("option"); o.value = el.dataset.rule; list.appendChild(o); }
  });
  document.body.appendChild(list);
  load();
  document.querySelectorAll("[data-hit]").forEach(decorate);
  document.querySelectorAll("li.turn.role-agent[data-conv]").forEach(function (turn) {
    var button = element("button", "add-missed", "+ 漏检");
    button.type = "button";
    button.title = "先在这句话里选中违规的文字（可不选：整句）";
    button.addEventListener("click", function () { openForm(turn, button); });
    turn.querySelector(".notes").appendChild(button);
  });
  marks.forEach(function (row, hitKey) {
    if (row.verdict === "missed") { showMissed(row); } else { paint(hitKey); }
  });
  document.addEventListener("selectionchange", remember);
  if (reviewerInput) {
    reviewerInput.addEventListener("input", function () {
      try { localStorage.setItem("phrasecheck-reviewer", reviewer()); } catch (e) { /* see load */ }
    });
  }
  document.getElementById("export-verdicts").addEventListener("click", download);
  save();
})();
