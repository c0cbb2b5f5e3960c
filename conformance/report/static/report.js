// Conformance report behaviour: filters, search, detail panel, failure bodies, copy buttons.
// Vanilla JS, no globals.  Untrusted text (op names, reasons, repros) is only ever set via
// textContent, never innerHTML.  Record details come from the report-data JSON (see model.Data).
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var D = JSON.parse($("#report-data").textContent);
  var S = D.str;
  function s(i) { return i === null || i === undefined || i < 0 ? null : S[i]; }
  var NC = D.cols.length;
  var cellAt = {};                                   // row * NC + col -> index in D.cells
  D.cells.forEach(function (c, i) { cellAt[c[0] * NC + c[1]] = i; });

  var matrix = $("table.matrix");
  var search = $("#search"), group = $("#group"), seed = $("#seed");
  var boxes = $$(".statusfilter input");
  var rows = $$("table.matrix tr.oprow");
  var bodies = $$("table.matrix tbody");
  var others = $$("details.failure, table.decl tr[data-op], table.msgs tr[data-op], article.erratum");

  // ---- filtering -------------------------------------------------------------------------
  function matches(el, q, g, sd, sel, allStatuses) {
    if (g && el.getAttribute("data-group") !== g) return false;
    if (q && el.getAttribute("data-op").indexOf(q) < 0) return false;
    if (sd) {
      var seeds = el.getAttribute("data-seeds");
      if (seeds === null) {  // failures and declarations: their op's row says
        var row = opRow(el);
        seeds = row ? row.getAttribute("data-seeds") : "";
      }
      if ((" " + seeds + " ").indexOf(" " + sd + " ") < 0) return false;
    }
    if (allStatuses) return true;
    var st = (el.getAttribute("data-st") || "").split(" ");
    for (var i = 0; i < st.length; i++) if (sel[st[i]]) return true;
    return false;
  }
  var rowByKey = null;
  function opRow(el) {
    if (!rowByKey) {
      rowByKey = {};
      rows.forEach(function (tr) { rowByKey[tr.getAttribute("data-group") + "\u0000" + tr.getAttribute("data-op")] = tr; });
    }
    return rowByKey[el.getAttribute("data-group") + "\u0000" + el.getAttribute("data-op")];
  }
  function setHidden(el, h) { if (el.hidden !== h) el.hidden = h; }
  function apply() {
    var q = search.value.trim().toLowerCase(), g = group.value, sd = seed.value, sel = {};
    var all = true;
    boxes.forEach(function (b) { if (b.checked) sel[b.value] = true; else all = false; });
    if (matrix) boxes.forEach(function (b) { matrix.classList.toggle("hide-" + b.value, !b.checked); });
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = matches(tr, q, g, sd, sel, all);
      setHidden(tr, !ok);
      if (ok) shown++;
    });
    bodies.forEach(function (tb) { setHidden(tb, !tb.querySelector("tr.oprow:not([hidden])")); });
    others.forEach(function (el) { setHidden(el, !matches(el, q, g, sd, sel, all)); });
    $("#shown").textContent = shown + " / " + rows.length + " ops shown";
  }
  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  group.addEventListener("change", apply);
  seed.addEventListener("change", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  function only(list) { boxes.forEach(function (b) { b.checked = list.indexOf(b.value) >= 0; }); apply(); }
  $("#problems").addEventListener("click", function () { only(["fail", "stale", "error"]); });
  $("#reset").addEventListener("click", function () {
    search.value = ""; group.value = ""; seed.value = "";
    only(boxes.map(function (b) { return b.value; }));
  });
  $$("[data-only]").forEach(function (chip) {
    chip.addEventListener("click", function () { only([chip.getAttribute("data-only")]); $("#matrix").scrollIntoView(); });
  });
  $$("[data-group-link]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); group.value = a.getAttribute("data-group-link"); apply(); $("#matrix").scrollIntoView(); });
  });
  $$("[data-seed-filter]").forEach(function (b) {
    b.addEventListener("click", function () { seed.value = b.getAttribute("data-seed-filter"); apply(); $("#matrix").scrollIntoView(); });
  });

  // ---- building a record's view ------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pre(label, text, copy, cls) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h4", null, label));
    var box = el("div", "codebox");
    if (copy) { var b = el("button", "copy", "copy"); b.type = "button"; box.appendChild(b); }
    box.appendChild(el("pre", cls || null, text));
    frag.appendChild(box);
    return frag;
  }
  // D.recs[i] = [status, dtype, examples, seeds, duration, reason, body]
  function recHead(r) {
    var head = el("div", "head");
    head.appendChild(el("span", "badge s-" + s(r[0]), s(r[0])));
    head.appendChild(el("b", null, s(r[1]) || "(no dtype)"));
    if (r[2] !== null) head.appendChild(el("span", "muted", r[2] + " examples"));
    if (s(r[3])) head.appendChild(el("span", "muted", "seeds " + s(r[3])));
    if (typeof r[4] === "number") head.appendChild(el("span", "muted", r[4].toFixed(3) + " s"));
    return head;
  }
  // body[7]: the errors check's message tally, or -1:
  // [compared, exact, normalised, different, mean similarity, [[match, similarity, invalid, torch, impl, count]...]]
  function messages(m, into) {
    if (!m || m === -1) return;
    var same = m[1] + " of " + m[0] + " error cases had torch's message exactly" +
      (m[2] ? ", " + m[2] + " more the same after normalising numbers/whitespace" : "") +
      "; " + m[3] + " different" + (m[4] !== null ? " (mean similarity " + Number(m[4]).toFixed(2) + ")" : "") +
      ". Only the exception class is checked.";
    into.appendChild(el("h4", null, "error messages"));
    into.appendChild(el("p", "small", same));
    if (!m[5].length) return;
    var t = el("table", "msgcmp"), head = el("tr");
    ["bad argument", "match", "torch", "library"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    m[5].forEach(function (p) {
      var tr = el("tr", p[0] === "exact" ? "msgsame" : "msgdiff");
      tr.appendChild(el("td", null, s(p[2]) + (p[5] > 1 ? " (\u00d7" + p[5] + ")" : "")));
      tr.appendChild(el("td", null, s(p[0]) + (p[0] !== "exact" && p[1] !== null ? " " + Number(p[1]).toFixed(2) : "")));
      var a = el("td"), b = el("td");
      a.appendChild(el("pre", null, s(p[3])));
      b.appendChild(el("pre", null, s(p[4])));
      tr.appendChild(a); tr.appendChild(b); t.appendChild(tr);
    });
    into.appendChild(t);
  }
  // D.bodies[i] = [expected, actual, message, inputs [[k, v]], other [[k, v]], repro, spec, messages]
  function recBody(r, oracle, into) {
    if (s(r[5])) into.appendChild(el("p", "reason", s(r[5])));
    var b = r[6] >= 0 ? D.bodies[r[6]] : null;
    if (!b) return into;
    if (s(b[6])) into.appendChild(el("p", "muted small", "spec " + s(b[6])));
    if (s(b[2]) && s(b[2]) !== s(r[5])) into.appendChild(pre("error", s(b[2]), false, "err"));  // not the reason again
    if (b[0] >= 0 || b[1] >= 0) {
      var two = el("div", "twocol"), l = el("div"), rt = el("div");
      l.appendChild(pre("expected (" + oracle + ")", s(b[0]) === null ? "–" : s(b[0])));
      rt.appendChild(pre("actual (impl)", s(b[1]) === null ? "–" : s(b[1])));
      two.appendChild(l); two.appendChild(rt); into.appendChild(two);
    }
    b[3].forEach(function (kv) { into.appendChild(pre(s(kv[0]) + " (shrunk)", s(kv[1]))); });
    if (b[4].length) {
      var t = el("table", "kv");
      b[4].forEach(function (kv) {
        var tr = el("tr"), td = el("td");
        tr.appendChild(el("th", null, s(kv[0])));
        td.appendChild(el("pre", null, s(kv[1])));
        tr.appendChild(td); t.appendChild(tr);
      });
      into.appendChild(t);
    }
    messages(b[7], into);
    if (s(b[5])) into.appendChild(pre("repro", s(b[5]), true, "repro"));
    return into;
  }

  // Failure entries: body built on first opening.
  var failureOf = {};
  $$("details.failure").forEach(function (d) { failureOf[d.getAttribute("data-r")] = d.id; });
  function fillFailure(d) {
    var body = $(".fbody", d);
    if (!body || body.firstChild) return;
    var r = D.recs[+d.getAttribute("data-r")];
    var meta = recHead(r);
    var a = el("a", null, d.getAttribute("data-group") === "errata" ? "show the erratum" : "show in matrix");
    a.href = d.getAttribute("data-a");
    meta.appendChild(a);
    body.appendChild(meta);
    var oracle = ($("summary", d).textContent.match(/· vs (\S+) ·/) || [])[1] || "oracle";
    recBody(r, oracle, body);
  }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.classList && d.classList.contains("failure") && d.open) fillFailure(d);
  }, true);

  // ---- detail panel ----------------------------------------------------------------------
  var panel = $("#panel"), pbody = $("#panel-body"), current = null;
  function cellOf(td) {
    var tr = td.parentNode, row = +tr.id.slice(3), col = td.cellIndex - 2;
    var i = cellAt[row * NC + col];
    return i === undefined ? null : D.cells[i];
  }
  function openCell(td) {
    var c = cellOf(td);
    if (!c) return;
    var row = D.rows[c[0]], col = D.cols[c[1]];
    if (current) current.classList.remove("sel");
    current = td; td.classList.add("sel"); focusCell(td);
    pbody.textContent = "";
    pbody.appendChild(el("h3", null, s(row[1])));
    var sub = el("p", "muted", s(row[0]) + " · check " + col[0] + " · oracle " + col[2] + " · device " + col[1] + " · ");
    var status = (td.className.match(/\bs-(\w+)/) || [])[1];
    sub.appendChild(el("span", "badge s-" + status, status));
    pbody.appendChild(sub);
    if (s(row[2])) pbody.appendChild(el("p", "muted small", "documented in seed notes " + s(row[2]).split(" ").join(", ")));
    // Records without details that share status and reason (typically skipped dtypes) fold into one line.
    var folded = {}, items = [];
    c[2].forEach(function (ri) {
      var r = D.recs[ri];
      if (r[6] < 0) {
        var key = r[0] + "/" + r[5];
        if (folded[key]) { folded[key].push(ri); return; }
        folded[key] = [ri]; items.push(folded[key]);
      } else items.push([ri]);
    });
    items.forEach(function (group) {
      var ri = group[0], r = D.recs[ri], rec = el("div", "rec");
      var head = recHead(r);
      if (group.length > 1) {
        var dts = group.map(function (i) { return s(D.recs[i][1]) || "(no dtype)"; });
        head.children[1].textContent = dts.join(", ");
        var ex = group.reduce(function (a, i) { return a + (D.recs[i][2] || 0); }, 0);
        var dur = group.reduce(function (a, i) { return a + (D.recs[i][4] || 0); }, 0);
        if (r[2] !== null) head.children[2].textContent = ex + " examples";
        var last = head.lastChild;
        if (typeof r[4] === "number" && last) last.textContent = dur.toFixed(3) + " s";
      }
      if (failureOf[ri]) { var a = el("a", null, "in the failures list"); a.href = "#" + failureOf[ri]; head.appendChild(a); }
      rec.appendChild(head);
      recBody(r, col[2], rec);
      pbody.appendChild(rec);
    });
    panel.hidden = false;
  }
  function closePanel() { panel.hidden = true; if (current) { current.classList.remove("sel"); current.focus(); current = null; } }
  function isCell(t) { return t && t.tagName === "TD" && t.classList.contains("c") && !t.classList.contains("none"); }
  // Tooltips are computed on hover (a title on every cell would weigh megabytes on big runs).
  function tip(td) {
    var c = cellOf(td);
    if (!c) return "";
    var row = D.rows[c[0]], col = D.cols[c[1]];
    var lines = [s(row[1]) + " · " + col[0] + " vs " + col[2] + " · " + col[1]];
    c[2].slice(0, 8).forEach(function (ri) {
      var r = D.recs[ri], reason = s(r[5]);
      lines.push("  " + (s(r[1]) || "—") + ": " + s(r[0]) + (reason ? " · " + reason.slice(0, 80) : ""));
    });
    if (c[2].length > 8) lines.push("  … " + (c[2].length - 8) + " more");
    return lines.join("\n");
  }
  // Keyboard: one cell is in the tab order (roving tabindex); arrows move, Enter/Space open.
  var focusable = null;
  function focusCell(td, move) {
    if (focusable && focusable !== td) focusable.removeAttribute("tabindex");
    focusable = td; td.tabIndex = 0;
    if (move) td.focus();
  }
  function visibleRow(tr, dir) {
    var i = rows.indexOf(tr) + dir;
    while (i >= 0 && i < rows.length && (rows[i].hidden || rows[i].parentNode.hidden)) i += dir;
    return rows[i] || null;
  }
  function step(td, key) {
    var tr = td.parentNode, idx = td.cellIndex, t = null;
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var d = key === "ArrowLeft" ? -1 : 1;
      for (var j = idx + d; j >= 2 && j < tr.cells.length; j += d) if (isCell(tr.cells[j])) { t = tr.cells[j]; break; }
    } else {
      var r = visibleRow(tr, key === "ArrowUp" ? -1 : 1);
      while (r && !t) {
        if (r.cells[idx] && isCell(r.cells[idx])) t = r.cells[idx];
        else r = visibleRow(r, key === "ArrowUp" ? -1 : 1);
      }
    }
    if (t) focusCell(t, true);
  }
  if (matrix) {
    var first = $("td.c:not(.none)", matrix);
    if (first) focusCell(first);
    matrix.addEventListener("click", function (ev) { var td = ev.target.closest("td"); if (isCell(td)) openCell(td); });
    matrix.addEventListener("mouseover", function (ev) { var td = ev.target; if (isCell(td) && !td.title) td.title = tip(td); });
    matrix.addEventListener("keydown", function (ev) {
      var td = ev.target;
      if (!isCell(td)) return;
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openCell(td); }
      else if (/^Arrow/.test(ev.key)) { ev.preventDefault(); step(td, ev.key); }
    });
  }
  $("#panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !panel.hidden) closePanel(); });

  // ---- copy buttons (file:// may lack navigator.clipboard: fall back to a selection copy) ----
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.copy");
    if (!btn) return;
    var text = btn.parentNode.querySelector("pre").textContent;
    function done(ok) { btn.textContent = ok ? "copied" : "select + Ctrl-C"; setTimeout(function () { btn.textContent = "copy"; }, 1500); }
    function fallback() {
      var ta = el("textarea"); ta.value = text; ta.style.position = "fixed"; ta.style.opacity = "0";
      document.body.appendChild(ta); ta.select();
      var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta); done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    else fallback();
  });

  var expand = $("#expand-all");
  if (expand) expand.addEventListener("click", function () {
    var open = expand.textContent === "expand all";
    $$("details.failure").forEach(function (d) { if (!d.hidden) d.open = open; });
    expand.textContent = open ? "collapse all" : "expand all";
  });

  // Opening a failure via #f-N in the URL should show it expanded.
  function openTarget() {
    var t = location.hash && document.getElementById(location.hash.slice(1));
    if (t && t.tagName === "DETAILS") { t.open = true; fillFailure(t); }
  }
  window.addEventListener("hashchange", openTarget);
  // The sticky filter bar's height, for scroll margins and the matrix box (it may wrap to two lines).
  var controls = $("#controls");
  function barHeight() { document.documentElement.style.setProperty("--ctl", controls.offsetHeight + "px"); }
  window.addEventListener("resize", barHeight);
  barHeight();
  openTarget();
  apply();
  if (window.performance && performance.mark) performance.mark("report-ready");
})();
