// The dashboard's quota panel, with the LLM response cache's hits and savings: its CSS and its
// JavaScript, joined into the page by dashboard.cpp. The script runs inside the page's closure
// (el, num, duration are its helpers).
#pragma once

#include <string_view>

namespace leadscout::monitor::detail {

inline constexpr std::string_view quota_css = R"leadscout_css(
.s-budget_exhausted { background:var(--red); }
.quotas { border-top:1px solid var(--line); padding-top:8px; margin-bottom:8px; }
.quota + .quota { margin-top:8px; }
.qhead { display:flex; gap:6px; align-items:center; flex-wrap:wrap; margin-bottom:3px; }
.qname { font-weight:700; font-size:13px; margin-right:4px; }
.mark { font-size:11px; font-weight:700; padding:1px 7px; border-radius:999px; white-space:nowrap; }
.m429 { background:#fef3c7; color:var(--amber); }
.cool { background:#fee2e2; color:var(--red); }
.out { background:var(--red); color:#fff; }
.qrow { display:grid; grid-template-columns:88px 1fr 150px; gap:8px; align-items:center;
  font-size:12px; margin:2px 0; }
.qlbl { color:var(--muted); }
.qval { font-variant-numeric:tabular-nums; white-space:nowrap; text-align:right; overflow:hidden;
  text-overflow:ellipsis; }
.qbar { height:8px; background:#e5e7eb; border-radius:4px; overflow:hidden; }
.qbar > div { height:100%; background:var(--blue); transition:width .4s; }
.qrow.spend .qbar > div { background:var(--green); }
.qrow .qbar > div.high { background:var(--amber); }
.qrow .qbar > div.full { background:var(--red); }
.qcache { display:flex; justify-content:space-between; gap:8px; font-size:12px; margin-top:6px; }
)leadscout_css";

inline constexpr std::string_view quota_js = R"leadscout_js(
  // Quotas: spend against the budget, the last minute against the limits, permits in flight,
  // and marks for rate limits (429s) and a cooldown in progress.
  function usd(v) { v = Number(v || 0); return "$" + v.toFixed(v !== 0 && Math.abs(v) < 1 ? 4 : 2); }
  function limitOf(q, key) {
    var c = q.configured && q.configured[key], l = q.learned && q.learned[key];
    return Number(c || l || 0);
  }
  function rateLimited(p) {
    var t = 0;
    Object.keys(p.quotas || {}).forEach(function (k) { t += Number(p.quotas[k].rate_limited_total || 0); });
    return t;
  }
  function meter(label, value, limit, text, cls) {
    var row = el("div", "qrow" + (cls ? " " + cls : "")), bar = el("div", "qbar"), fill = el("div");
    var frac = limit > 0 ? Math.min(1, Number(value || 0) / limit) : 0;
    fill.style.width = (frac * 100).toFixed(1) + "%";
    if (limit > 0 && frac >= 1) fill.className = "full"; else if (frac >= 0.8) fill.className = "high";
    bar.appendChild(fill);
    row.appendChild(el("span", "qlbl", label)); row.appendChild(bar); row.appendChild(el("span", "qval", text));
    return row;
  }
  function cooldownLeft(p, q) {
    if (p.status !== "running" && p.status !== "starting") return 0;
    // cooldown_until holds however old the file is; cooldown_seconds was measured at the write.
    if (q.cooldown_until !== null && q.cooldown_until !== undefined) return q.cooldown_until - Date.now() / 1000;
    return Number(q.cooldown_seconds || 0);
  }
  function quotaBox(p, name) {
    var q = p.quotas[name], box = el("div", "quota"), head = el("div", "qhead");
    var spent = Number(q.spent_usd || 0), budget = Number(q.budget_usd || 0);
    box.setAttribute("data-quota", name);
    box.setAttribute("data-spend-percent", budget > 0 ? (100 * spent / budget).toFixed(1) : "");
    head.appendChild(el("span", "qname", name));
    if (q.rate_limited_total > 0) head.appendChild(el("span", "mark m429", "429 × " + num(q.rate_limited_total)));
    var cool = cooldownLeft(p, q);
    if (cool > 0) head.appendChild(el("span", "mark cool", "cooling down " + duration(Math.ceil(cool))));
    if (q.budget_exhausted) head.appendChild(el("span", "mark out", "budget exhausted"));
    box.appendChild(head);
    box.appendChild(meter("Spend", spent, budget,
      usd(spent) + (budget > 0 ? " / " + usd(budget) : " · no budget"), "spend"));
    var rpm = limitOf(q, "requests_per_minute"), tpm = limitOf(q, "tokens_per_minute");
    box.appendChild(meter("Requests/min", q.requests_last_minute, rpm,
      num(Math.round(q.requests_last_minute || 0)) + (rpm ? " / " + num(rpm) : "")));
    box.appendChild(meter("Tokens/min", q.tokens_last_minute, tpm,
      num(Math.round(q.tokens_last_minute || 0)) + (tpm ? " / " + num(tpm) : "")));
    box.appendChild(meter("In flight", q.in_flight, q.in_flight_limit,
      num(q.in_flight) + (q.in_flight_limit ? " / " + num(q.in_flight_limit) : "") +
      (q.waiting ? " · " + num(q.waiting) + " waiting" : "")));
    return box;
  }
  // The LLM response cache: what it answered without a call, from the business counters
  // leadscout::llm adds (the money in millionths of a dollar).
  function cacheLine(p) {
    var m = p.metrics || {}, hits = Number(m.llm_cache_hits || 0), misses = Number(m.llm_cache_misses || 0);
    if (!hits && !misses) return null;
    var row = el("div", "qcache");
    row.setAttribute("data-cache-hits", String(hits));
    row.appendChild(el("span", "qlbl", "LLM cache"));
    row.appendChild(el("span", "qval", num(hits) + " hits · " + num(misses) + " misses · " +
      usd(Number(m.llm_cache_saved_usd_micros || 0) / 1e6) + " saved"));
    return row;
  }
  function quotaPanel(p) {
    var names = Object.keys(p.quotas || {}).sort(), cache = cacheLine(p);
    if (!names.length && !cache) return null;
    var panel = el("div", "quotas");
    names.forEach(function (name) { panel.appendChild(quotaBox(p, name)); });
    if (cache) panel.appendChild(cache);
    return panel;
  }
  // A red tick on the rate chart wherever the count of 429s rose since the previous poll.
  function rateLimitMarks(svg, points, start, span, w, h) {
    var ns = "http://www.w3.org/2000/svg", d = "";
    for (var i = 1; i < points.length; i++) {
      if (points[i][2] > points[i - 1][2]) {
        var x = (w * (points[i][0] - start) / span).toFixed(1);
        d += "M" + x + " 0 V" + h + " ";
      }
    }
    if (!d) return;
    var marks = document.createElementNS(ns, "path");
    marks.setAttribute("class", "rate-limited");
    marks.setAttribute("d", d); marks.setAttribute("stroke", "#b91c1c"); marks.setAttribute("stroke-width", "1.5");
    marks.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(marks);
  }
)leadscout_js";

}  // namespace leadscout::monitor::detail
