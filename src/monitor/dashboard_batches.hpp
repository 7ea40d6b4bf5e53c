// The dashboard's panel of provider batches (a run of leadscout::llm in batch mode): its CSS and
// its JavaScript, joined into the page by dashboard.cpp. The script runs inside the page's
// closure (el, num, duration are its helpers).
#pragma once

#include <string_view>

namespace leadscout::monitor::detail {

inline constexpr std::string_view batch_css = R"leadscout_css(
.batches { border-top:1px solid var(--line); padding-top:8px; margin-bottom:8px; font-size:12px; }
.batches table { width:100%; border-collapse:collapse; }
.batches th { color:var(--muted); font-weight:400; text-align:left; padding:1px 4px; }
.batches td { padding:1px 4px; font-variant-numeric:tabular-nums; white-space:nowrap; }
.batches td.bid { overflow:hidden; text-overflow:ellipsis; max-width:160px; }
.batches tr.stuck td.bstatus { color:var(--amber); font-weight:700; }
)leadscout_css";

inline constexpr std::string_view batch_js = R"leadscout_js(
  // The provider's batches a run in batch mode waits for: id, status, rows done of all, its age
  // and the time in its current status (amber past ten minutes in a status other than
  // in_progress, which normally passes within minutes).
  function batchPanel(p) {
    var list = p.batches || [];
    if (!list.length) return null;
    var panel = el("div", "batches"), table = el("table"), head = el("tr");
    ["Batch", "Status", "Rows", "Age", "In status"].forEach(function (t) { head.appendChild(el("th", null, t)); });
    table.appendChild(head);
    list.forEach(function (b) {
      var stuck = b.status !== "in_progress" && Number(b.status_seconds || 0) > 600;
      var tr = el("tr", stuck ? "stuck" : null);
      tr.setAttribute("data-batch", b.id);
      tr.appendChild(el("td", "bid", b.id));
      tr.appendChild(el("td", "bstatus", String(b.status || "?").replace("_", " ")));
      tr.appendChild(el("td", null, num(b.completed) + (b.failed ? " + " + num(b.failed) + " failed" : "") +
        " / " + num(b.requests)));
      tr.appendChild(el("td", null, duration(b.age_seconds)));
      tr.appendChild(el("td", null, duration(b.status_seconds)));
      table.appendChild(tr);
    });
    panel.appendChild(el("div", "qlbl", list.length + (list.length === 1 ? " batch" : " batches") + " at the provider"));
    panel.appendChild(table);
    return panel;
  }
)leadscout_js";

}  // namespace leadscout::monitor::detail
