// Conformance report behaviour: filters, search, detail panel, copy buttons. Vanilla JS, no globals.
// Untrusted text (op names, reasons, repros) is only ever set via textContent, never innerHTML.
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var cells = JSON.parse($("#cell-data").textContent);
  var matrix = $("table.matrix");
  var search = $("#search"), group = $("#group");
  var boxes = $$(".statusfilter input");

  // ---- filtering -------------------------------------------------------------------------
  function selected() {
    var s = {};
    boxes.forEach(function (b) { if (b.checked) s[b.value] = true; });
    return s;
  }
  function matches(el, q, g, sel, allStatuses) {
    if (g && el.getAttribute("data-group") !== g) return false;
    if (q && el.getAttribute("data-op").indexOf(q) < 0) return false;
    if (allStatuses) return true;
    var st = (el.getAttribute("data-st") || "").split(" ");
    for (var i = 0; i < st.length; i++) if (sel[st[i]]) return true;
    return false;
  }
  function apply() {
    var q = search.value.trim().toLowerCase(), g = group.value, sel = selected();
    var all = boxes.every(function (b) { return b.checked; });
    boxes.forEach(function (b) { matrix && matrix.classList.toggle("hide-" + b.value, !b.checked); });
    var shown = 0, total = 0;
    $$("table.matrix tbody").forEach(function (tb) {
      var any = false;
      $$("tr.oprow", tb).forEach(function (tr) {
        var ok = matches(tr, q, g, sel, all);
        tr.hidden = !ok; any = any || ok; total++; if (ok) shown++;
      });
      tb.hidden = !any;
    });
    $$("details.failure, table.decl tr[data-op]").forEach(function (el) { el.hidden = !matches(el, q, g, sel, all); });
    $("#shown").textContent = shown + " / " + total + " ops shown";
  }
  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  group.addEventListener("change", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  function only(list) { boxes.forEach(function (b) { b.checked = list.indexOf(b.value) >= 0; }); apply(); }
  $("#problems").addEventListener("click", function () { only(["fail", "stale", "error"]); });
  $("#reset").addEventListener("click", function () { search.value = ""; group.value = ""; only(boxes.map(function (b) { return b.value; })); });
  $$("[data-only]").forEach(function (chip) {
    chip.addEventListener("click", function () { only([chip.getAttribute("data-only")]); $("#matrix").scrollIntoView(); });
  });
  $$("[data-group-link]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); group.value = a.getAttribute("data-group-link"); apply(); $("#matrix").scrollIntoView(); });
  });

  // ---- detail panel ----------------------------------------------------------------------
  var panel = $("#panel"), body = $("#panel-body"), current = null;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pre(label, text, copy) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h4", null, label));
    var box = el("div", "codebox");
    if (copy) { var b = el("button", "copy", "copy"); b.type = "button"; box.appendChild(b); }
    box.appendChild(el("pre", null, text));
    frag.appendChild(box);
    return frag;
  }
  function openCell(td) {
    var c = cells[+td.getAttribute("data-cell")];
    if (!c) return;
    if (current) current.classList.remove("sel");
    current = td; td.classList.add("sel");
    body.textContent = "";
    body.appendChild(el("h3", null, c.op));
    var sub = el("p", "muted", c.group + " · check " + c.check + " · oracle " + c.oracle + " · device " + c.device + " · ");
    sub.appendChild(el("span", "badge s-" + c.status, c.status));
    body.appendChild(sub);
    c.records.forEach(function (r) {
      var rec = el("div", "rec"), head = el("div", "head");
      head.appendChild(el("span", "badge s-" + r.status, r.status));
      head.appendChild(el("b", null, r.dtype || "(no dtype)"));
      if (r.examples !== undefined) head.appendChild(el("span", "muted", r.examples + " examples"));
      if (r.seeds) head.appendChild(el("span", "muted", "seeds " + r.seeds));
      if (typeof r.duration === "number") head.appendChild(el("span", "muted", r.duration.toFixed(3) + " s"));
      rec.appendChild(head);
      if (r.f !== undefined) {  // a failure: show (a copy of) its entry from the failures section
        var entry = document.getElementById("f-" + r.f);
        rec.appendChild(entry.querySelector(".fbody").cloneNode(true));
        body.appendChild(rec);
        return;
      }
      if (r.reason) rec.appendChild(el("p", "reason", r.reason));
      if (r.message) rec.appendChild(pre("error", r.message));
      if (r.expected !== undefined) rec.appendChild(pre("expected (" + c.oracle + ")", r.expected));
      if (r.actual !== undefined) rec.appendChild(pre("actual (impl)", r.actual));
      (r.inputs || []).forEach(function (kv) { rec.appendChild(pre(kv[0] + " (shrunk)", kv[1])); });
      (r.other || []).forEach(function (kv) { rec.appendChild(pre(kv[0], kv[1])); });
      if (r.repro) rec.appendChild(pre("repro", r.repro, true));
      body.appendChild(rec);
    });
    panel.hidden = false;
  }
  function closePanel() { panel.hidden = true; if (current) { current.classList.remove("sel"); current.focus(); current = null; } }
  if (matrix) {
    matrix.addEventListener("click", function (ev) {
      var td = ev.target.closest("td[data-cell]");
      if (td) openCell(td);
    });
    matrix.addEventListener("keydown", function (ev) {
      var td = ev.target.closest && ev.target.closest("td[data-cell]");
      if (td && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); openCell(td); }
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
  function openTarget() { var t = location.hash && document.getElementById(location.hash.slice(1)); if (t && t.tagName === "DETAILS") t.open = true; }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  apply();
})();
