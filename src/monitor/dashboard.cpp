// The dashboard: one self-contained page (inline CSS and JavaScript, nothing fetched but the
// JSON endpoints of the same origin).
#include <array>
#include <cstddef>
#include <string_view>

#include "leadscout/monitor/server.hpp"

#include "dashboard_batches.hpp"
#include "dashboard_quotas.hpp"

namespace leadscout::monitor {

namespace {

constexpr std::string_view page_head = R"leadscout_html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadscout · live</title>
<style>
:root { --bg:#f4f5f7; --card:#fff; --text:#1d2330; --muted:#5f6b7a; --line:#dde1e7;
  --blue:#2563eb; --green:#15803d; --amber:#b45309; --red:#b91c1c; --grey:#6b7280; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--text);
  font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { display:flex; align-items:center; gap:12px; flex-wrap:wrap; padding:12px 20px;
  background:#111827; color:#f9fafb; }
header h1 { font-size:17px; margin:0; font-weight:600; letter-spacing:.2px; }
#conn { margin-left:auto; font-size:13px; display:flex; align-items:center; gap:6px; }
#conn .dot { width:10px; height:10px; border-radius:50%; background:var(--grey); display:inline-block; }
#conn.live .dot { background:#22c55e; }
#conn.gone .dot { background:#ef4444; }
main { padding:16px 20px 32px; max-width:1400px; margin:0 auto; }
#banner { display:none; margin-bottom:14px; padding:10px 14px; border-radius:8px;
  background:#fee2e2; color:#7f1d1d; border:1px solid #fecaca; font-weight:600; }
#banner.show { display:block; }
#ops { display:grid; grid-template-columns:repeat(auto-fit, minmax(340px, 1fr)); gap:14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.card h2 { font-size:15px; margin:0; word-break:break-all; }
.top { display:flex; align-items:center; gap:10px; justify-content:space-between; margin-bottom:10px; }
.pill { font-size:12px; font-weight:700; padding:2px 10px; border-radius:999px; color:#fff; white-space:nowrap;
  text-transform:uppercase; letter-spacing:.4px; }
.s-starting { background:var(--grey); } .s-running { background:var(--blue); }
.s-completed { background:var(--green); } .s-interrupted, .s-deadline_exceeded { background:var(--amber); }
.s-failed { background:var(--red); }
.bar { height:14px; background:#e5e7eb; border-radius:7px; overflow:hidden; }
.bar > div { height:100%; background:var(--blue); transition:width .4s; }
.card[data-status=completed] .bar > div { background:var(--green); }
.card[data-status=failed] .bar > div { background:var(--red); }
.barline { display:flex; justify-content:space-between; margin:5px 0 10px; font-size:13px; }
.pct { font-weight:700; font-size:15px; }
.stats { display:grid; grid-template-columns:repeat(auto-fit, minmax(96px, 1fr)); gap:8px 12px; margin-bottom:10px; }
.stats div { min-width:0; }
.stats dt { color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.4px; }
.stats dd { margin:0; font-weight:600; font-variant-numeric:tabular-nums; white-space:nowrap;
  overflow:hidden; text-overflow:ellipsis; }
.bad { color:var(--red); }
.current { color:var(--muted); font-size:12px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; margin-bottom:6px; }
.chart { border-top:1px solid var(--line); padding-top:6px; }
.chart .lbl { display:flex; justify-content:space-between; font-size:11px; color:var(--muted); }
.chart svg { width:100%; height:70px; display:block; }
#empty { color:var(--muted); padding:20px 0; }
h3 { font-size:15px; margin:26px 0 8px; }
.tablewrap { overflow-x:auto; background:var(--card); border:1px solid var(--line); border-radius:10px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.when { white-space:nowrap; font-variant-numeric:tabular-nums; color:var(--muted); }
td.lvl { font-weight:700; text-transform:uppercase; font-size:12px; }
.l-warning { color:var(--amber); } .l-error, .l-critical { color:var(--red); }
td.fields { color:var(--muted); word-break:break-word; font-family:ui-monospace, Menlo, Consolas, monospace; font-size:12px; }
@media (max-width:600px) {
  header, main { padding-left:10px; padding-right:10px; }
  #ops { grid-template-columns:1fr; }
  .stats { grid-template-columns:repeat(2, 1fr); }
  th.fields, td.fields, th.lg, td.lg { display:none; }
}
)leadscout_html";

constexpr std::string_view page_middle = R"leadscout_html(</style>
</head>
<body>
<header><h1>leadscout · live operations</h1>
<span id="conn"><span class="dot"></span><span id="conntext">connecting…</span></span></header>
<main>
<div id="banner" role="alert"></div>
<div id="ops"></div>
<div id="empty">No operation yet.</div>
<h3>Recent warnings and errors</h3>
<div class="tablewrap"><table><thead><tr><th>Time</th><th>Level</th><th class="lg">Logger</th><th>Event</th>
<th class="fields">Fields</th></tr></thead><tbody id="events"></tbody></table></div>
<p id="noevents" style="color:var(--muted)">None.</p>
</main>
<script>
"use strict";
(function () {
  var token = "";
  var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) token = decodeURIComponent(m[1]);
  var history = {};          // operation key -> [[ms, rate, 429s so far], ...]
  var windowMs = 5 * 60 * 1000;
  var lastOk = null, failures = 0;
)leadscout_html";

constexpr std::string_view page_tail = R"leadscout_html(
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function get(path) {
    var headers = {};
    if (token) headers["Authorization"] = "Bearer " + token;
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (r) {
      if (!r.ok) { var e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
      return r.json();
    });
  }
  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), mi = Math.floor(s % 3600 / 60), se = s % 60;
    if (h) return h + "h " + mi + "m";
    if (mi) return mi + "m " + se + "s";
    return se + "s";
  }
  function num(n) { return Number(n || 0).toLocaleString("en-US"); }
  function keyOf(p) { return p.operation + (p.shard ? " · shard " + p.shard.index + "/" + p.shard.count : ""); }

  function chart(points) {
    var w = 300, h = 60, ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "none");
    var max = 0;
    points.forEach(function (p) { if (p[1] > max) max = p[1]; });
    max = max > 0 ? max * 1.15 : 1;
    var now = Date.now();
    // Fills from the left during the first minute, then scrolls over the last five.
    var start = points.length ? Math.max(points[0][0], now - windowMs) : now;
    var span = Math.max(60000, now - start);
    var grid = document.createElementNS(ns, "path");
    grid.setAttribute("d", "M0 " + (h / 2) + " H" + w + " M0 " + (h - 0.5) + " H" + w);
    grid.setAttribute("stroke", "#e5e7eb"); grid.setAttribute("stroke-width", "1"); grid.setAttribute("fill", "none");
    svg.appendChild(grid);
    if (points.length > 1) {
      var d = "", area = "", x = "0";
      points.forEach(function (p, i) {
        x = (w * (p[0] - start) / span).toFixed(1);
        var y = (h - (p[1] / max) * (h - 4)).toFixed(1);
        d += (i ? " L" : "M") + x + " " + y;
        area += (i ? " L" : "M" + x + " " + h + " L") + x + " " + y;
      });
      area += " L" + x + " " + h + " Z";
      var fill = document.createElementNS(ns, "path");
      fill.setAttribute("d", area); fill.setAttribute("fill", "rgba(37,99,235,.12)");
      svg.appendChild(fill);
      var line = document.createElementNS(ns, "path");
      line.setAttribute("d", d); line.setAttribute("fill", "none"); line.setAttribute("stroke", "#2563eb");
      line.setAttribute("stroke-width", "1.6"); line.setAttribute("vector-effect", "non-scaling-stroke");
      svg.appendChild(line);
      rateLimitMarks(svg, points, start, span, w, h);
    }
    return { svg: svg, max: max / 1.15 };
  }

  function stat(dl, label, value, bad) {
    var d = el("div");
    d.appendChild(el("dt", null, label));
    d.appendChild(el("dd", bad ? "bad" : null, value));
    dl.appendChild(d);
  }

  function renderOps(list) {
    var now = Date.now();
    var ops = document.getElementById("ops");
    ops.textContent = "";
    document.getElementById("empty").style.display = list.length ? "none" : "block";
    list.forEach(function (p) {
      var key = keyOf(p);
      var h = history[key] || (history[key] = []);
      h.push([now, p.rate_per_second || 0, rateLimited(p)]);
      while (h.length && now - h[0][0] > windowMs) h.shift();
      var pct = Number(p.percentage || 0);
      var card = el("section", "card");
      card.setAttribute("data-operation", p.operation);
      card.setAttribute("data-status", p.status);
      card.setAttribute("data-percent", pct.toFixed(1));
      var top = el("div", "top");
      top.appendChild(el("h2", null, key));
      top.appendChild(el("span", "pill s-" + p.status, String(p.status).replace("_", " ")));
      card.appendChild(top);
      var bar = el("div", "bar"), fillDiv = el("div");
      fillDiv.style.width = Math.min(100, Math.max(0, pct)) + "%";
      bar.appendChild(fillDiv);
      card.appendChild(bar);
      var bl = el("div", "barline");
      bl.appendChild(el("span", "pct", pct.toFixed(1) + "%"));
      // A streamed input's total is null until it ends: the estimate, if any, or "?".
      var total = p.total !== null ? num(p.total) : (p.expected_total != null ? "~" + num(p.expected_total) : "?");
      bl.appendChild(el("span", null, num(p.processed) + " / " + total + " items"));
      card.appendChild(bl);
      var dl = el("dl", "stats");
      stat(dl, "Rate", (p.rate_per_second || 0).toFixed(1) + " /s");
      stat(dl, "ETA", p.status === "running" ? duration(p.eta_seconds) : "–");
      stat(dl, "Elapsed", duration(p.elapsed_seconds));
      stat(dl, "In flight", num(p.in_flight));
      stat(dl, "Retries", num(p.retried), p.retried > 0);
      stat(dl, "Failures", num(p.failed), p.failed > 0);
      card.appendChild(dl);
      var qp = quotaPanel(p);
      if (qp) card.appendChild(qp);
      var bp = batchPanel(p);
      if (bp) card.appendChild(bp);
      var cur = p.reason ? "Reason: " + p.reason : (p.current_item ? "Current: " + p.current_item : "");
      if (cur) card.appendChild(el("div", "current", cur));
      var c = chart(h);
      var cw = el("div", "chart"), lbl = el("div", "lbl");
      lbl.appendChild(el("span", null, "items/s, last " + (h.length > 1 && now - h[0][0] > 60000 ? Math.round(Math.min(windowMs, now - h[0][0]) / 60000) + " min" : "minute")));
      var limited = rateLimited(p) > 0 ? "red: 429s · " : "";
      lbl.appendChild(el("span", null, limited + "max " + c.max.toFixed(1) + " /s"));
      cw.appendChild(lbl);
      cw.appendChild(c.svg);
      card.appendChild(cw);
      ops.appendChild(card);
    });
  }

  function renderEvents(list) {
    var tb = document.getElementById("events");
    tb.textContent = "";
    document.getElementById("noevents").style.display = list.length ? "none" : "block";
    list.forEach(function (e) {
      var tr = el("tr");
      var t = String(e.timestamp || "");
      tr.appendChild(el("td", "when", t.replace("T", " ").replace(/\.\d+/, "")));
      tr.appendChild(el("td", "lvl l-" + e.level, e.level));
      tr.appendChild(el("td", "lg", e.logger));
      tr.appendChild(el("td", null, e.event));
      var rest = [];
      Object.keys(e).forEach(function (k) {
        if (["timestamp", "level", "logger", "event"].indexOf(k) < 0) {
          var v = e[k];
          rest.push(k + "=" + (typeof v === "string" ? v : JSON.stringify(v)));
        }
      });
      tr.appendChild(el("td", "fields", rest.join("  ")));
      tb.appendChild(tr);
    });
  }

  function setConn(ok, err) {
    var c = document.getElementById("conn"), t = document.getElementById("conntext");
    var b = document.getElementById("banner");
    if (ok) {
      c.className = "live"; t.textContent = "live · " + new Date().toLocaleTimeString();
      b.className = ""; b.textContent = "";
      return;
    }
    c.className = "gone";
    if (err && err.status === 401) {
      t.textContent = "unauthorized";
      b.textContent = "Unauthorized: open this page as /#token=<token> (LEADSCOUT_HTTP_TOKEN).";
    } else {
      t.textContent = "no answer";
      b.textContent = "The process is gone: the endpoint stopped answering" +
        (lastOk ? " at " + lastOk.toLocaleTimeString() : "") + " (" + failures + " failed polls). " +
        "The figures below are the last ones received.";
    }
    b.className = "show";
  }

  function poll() {
    Promise.all([get("/progress"), get("/events?level=warning&limit=50")]).then(function (r) {
      failures = 0; lastOk = new Date();
      renderOps(r[0]); renderEvents(r[1]); setConn(true);
    }, function (err) {
      failures++; setConn(false, err);
    }).then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body>
</html>
)leadscout_html";

constexpr std::string_view parts[] = {page_head,        detail::quota_css, detail::batch_css, page_middle,
                                      detail::quota_js, detail::batch_js,  page_tail};

constexpr std::size_t page_size = [] {
  std::size_t n = 0;
  for (const auto part : parts) n += part.size();
  return n;
}();

// Joined at compile time, so that dashboard_html() is a view of static text.
constexpr std::array<char, page_size> page_text = [] {
  std::array<char, page_size> out{};
  std::size_t i = 0;
  for (const auto part : parts) {
    for (const char ch : part) out[i++] = ch;
  }
  return out;
}();

}  // namespace

std::string_view dashboard_html() noexcept { return {page_text.data(), page_text.size()}; }

}  // namespace leadscout::monitor
