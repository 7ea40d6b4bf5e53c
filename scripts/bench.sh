#!/usr/bin/env bash
# Builds release and runs every benchmark side by side in one go, then prints one table of
# figures and ratios. Takes ~6 minutes on 2 cores (plus the build), 3.5 of them the quota cases,
# which run in real time against a simulated provider and mostly wait.
#   scripts/bench.sh                   the full run (1 GB log for leadscout-logs, 30 s per quota case)
#   LEADSCOUT_BENCH_QUICK=1 scripts/bench.sh   smaller inputs and 5 s quota cases, to check that it works
#   LEADSCOUT_BENCH_QUOTA_SECONDS=60 scripts/bench.sh   longer quota cases
# Record the printed table in docs/performance.md together with the machine it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build/release
out=$build_dir/bench-results
quick=${LEADSCOUT_BENCH_QUICK:-0}
items=1000000 stream_items=10000000 log_mb=1000 demo_leads=20000 quota_seconds=30 llm_batch_items=100000
if [ "$quick" = 1 ]; then items=100000 stream_items=1000000 log_mb=100 demo_leads=5000 quota_seconds=5 llm_batch_items=20000; fi
quota_seconds=${LEADSCOUT_BENCH_QUOTA_SECONDS:-$quota_seconds}

# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
ensure_packages scripts/bench.sh "${leadscout_build_packages[@]}" python3

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_BENCH=ON \
  -DLEADSCOUT_BUILD_TOOLS=ON -DLEADSCOUT_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target bench_logging bench_latency bench_batch bench_stream bench_quota bench_logs_summary \
  demo_500_leads >/dev/null
mkdir -p "$out"

echo "== logging: leadscout vs plain spdlog, disabled event"
# Five repetitions, medians kept: single runs of the caller and throughput cases swing by 2x on a busy VM.
"$build_dir/bench/log/bench_logging" --benchmark_format=json --benchmark_out="$out/logging.json" \
  --benchmark_out_format=json --benchmark_repetitions=5 --benchmark_report_aggregates_only=true >/dev/null
echo "== logging latency from a thread's first call: leadscout, leadscout after preallocate(), spdlog async, and leadscout without fields and at a level not written"
"$build_dir/bench/log/bench_latency" --runs 5 >"$out/latency.txt"
echo "== batch: no-op items and resume ($items items)"
LEADSCOUT_BENCH_ITEMS=$items "$build_dir/bench/batch/bench_batch" --benchmark_out="$out/batch.json" \
  --benchmark_out_format=json >/dev/null
echo "== streamed input: $stream_items no-op items into JSONL, two resumes, then into CSV and a resume (~90 s at 10M)"
"$build_dir/bench/batch/bench_stream" --items "$stream_items" >"$out/stream.txt"
echo "== quotas against a simulated provider: 6 cases of ${quota_seconds} s, then a budget stop"
"$build_dir/bench/batch/bench_quota" --seconds "$quota_seconds" >"$out/quota.txt" 2>/dev/null
echo "== llm::run batch mode: $llm_batch_items items through stub batches of 10,000 taking 5 s"
"$build_dir/bench/llm/bench_llm_batch" --items "$llm_batch_items" --batch-seconds 5 >"$out/llm_batch.txt"
echo "== leadscout-logs summary on a ${log_mb} MB log"
"$build_dir/bench/logs/bench_logs_summary" --size-mb "$log_mb" --runs 3 >"$out/logs.txt"

# The simulated provider's headers announce 10,000 requests a minute, which the quota would follow;
# the limits are set out of reach so that the run times the logging, not the quota.
echo "== logging overhead inside demo_500_leads ($demo_leads leads: enough to time, 1 ms simulated latency)"
demo_once() {  # demo_once ENV...: wall milliseconds of one fresh run
  local dir; dir=$(mktemp -d)
  local t0; t0=$(date +%s%N)
  (cd "$dir" && env "$@" LEADSCOUT_LOG_CONSOLE=off "$OLDPWD/$build_dir/examples/demo_500_leads/demo_500_leads" \
     --leads "$demo_leads" --llm-latency-ms 1 --llm-hang-rate 0 --llm-rpm 100000000 --llm-tpm 100000000000 \
     --fresh >/dev/null 2>&1) || [ $? -eq 5 ]  # 5: leads that failed every attempt; the run still counts
  local t1; t1=$(date +%s%N)
  rm -rf "$dir"
  echo $(( (t1 - t0) / 1000000 ))
}
# Runs alternate between the two settings, so a change in machine load hits both alike; the
# median of 7 each is recorded.
: >"$out/demo-debug.all"; : >"$out/demo-off.all"
for _ in 1 2 3 4 5 6 7; do
  demo_once LEADSCOUT_LOG_LEVEL=debug >>"$out/demo-debug.all"
  demo_once LEADSCOUT_LOG_LEVEL=off >>"$out/demo-off.all"
done
for label in debug off; do sort -n "$out/demo-$label.all" | sed -n 4p >"$out/demo-$label.txt"; done

python3 - "$out" <<'PY'
import json, os, re, sys
out = sys.argv[1]
def bench(path):
    with open(os.path.join(out, path)) as f:
        return {b["name"]: b for b in json.load(f)["benchmarks"]}
with open(os.path.join(out, "logging.json")) as f:  # medians of the repetitions, by plain name
    log = {b["run_name"]: b for b in json.load(f)["benchmarks"] if b.get("aggregate_name") == "median"}
batch = bench("batch.json")
rows = []
def row(what, value, unit, note=""):
    rows.append((what, value, unit, note))
for threads in (1, 2):
    a = log[f"a_leadscout_throughput/real_time/threads:{threads}"]["items_per_second"]
    b = log[f"b_spdlog_json_throughput/real_time/threads:{threads}"]["items_per_second"]
    row(f"events/s until flushed, {threads} thread(s): leadscout routed JSON", f"{a/1e6:.2f} M", "events/s", f"{a/b:.2f}x plain spdlog")
    row(f"events/s until flushed, {threads} thread(s): spdlog + hand-made JSON", f"{b/1e6:.2f} M", "events/s", "")
targets = []  # (what, ratio, limit, at most?)
for threads in (1, 2):
    a = log[f"a_leadscout_caller/manual_time/threads:{threads}"]
    b = log[f"b_spdlog_json_caller/manual_time/threads:{threads}"]
    p50, p99 = a['p50_ns'] / b['p50_ns'], a['p99_ns'] / b['p99_ns']
    row(f"caller p50 / p99, {threads} thread(s): leadscout", f"{a['p50_ns']:.0f} / {a['p99_ns']:.0f}", "ns", f"p50 {p50:.2f}x, p99 {p99:.2f}x spdlog")
    row(f"caller p50 / p99, {threads} thread(s): spdlog + hand-made JSON", f"{b['p50_ns']:.0f} / {b['p99_ns']:.0f}", "ns", "")
    targets += [(f"caller p50, {threads} thread(s)", p50, 0.25, True), (f"caller p99, {threads} thread(s)", p99, 0.25, True)]
a2 = log["a_leadscout_throughput/real_time/threads:2"]["items_per_second"]
b2 = log["b_spdlog_json_throughput/real_time/threads:2"]["items_per_second"]
targets.append(("throughput, 2 threads", a2 / b2, 1.5, False))
for name, label in (("c_disabled_debug", "disabled debug event (function)"), ("c_disabled_debug_macro", "disabled debug event (macro)")):
    row(label, f"{log[name]['real_time']:.1f}", "ns", "")
for k, v in batch.items():
    if k.startswith("BM_NoOpCallback"):
        row(f"batch no-op items, concurrency {k.split('/')[1]}", f"{v['items_per_second']/1e3:.0f} k", "items/s", f"{v['us_per_item']:.2f} us/item, peak {v['peak_rss_MiB']:.0f} MiB")
    if k.startswith("BM_ResumeFromFullJournal"):
        row("resume from the full journal", f"{v['real_time']/1000:.2f}", "s", f"peak {v['peak_rss_MiB']:.0f} MiB")
with open(os.path.join(out, "logs.txt")) as f:
    m = re.search(r"median (\d+) MB/s, best (\d+) MB/s \(\d+ runs, ([\d.]+) MB file\)", f.read())
if m:
    row(f"leadscout-logs summary, {m.group(3)} MB log", m.group(1), "MB/s", f"best {m.group(2)}")
debug = float(open(os.path.join(out, "demo-debug.txt")).read()) / 1000
off = float(open(os.path.join(out, "demo-off.txt")).read()) / 1000
row("demo_500_leads wall time, default routes + DEBUG", f"{debug:.2f}", "s", f"{(debug/off-1)*100:+.1f}% vs logging off")
row("demo_500_leads wall time, logging off", f"{off:.2f}", "s", "")
w = max(len(r[0]) for r in rows)
print()
print(f"{'measure':<{w}}  {'value':>12}  {'unit':<9} note")
for r in rows:
    print(f"{r[0]:<{w}}  {r[1]:>12}  {r[2]:<9} {r[3]}")
print()
print("logging targets against spdlog, same run (caller: <= 0.25x; throughput: >= 1.5x)")
for what, ratio, limit, at_most in targets:
    ok = ratio <= limit if at_most else ratio >= limit
    print(f"  {what:<28} {ratio:6.2f}x  {'met' if ok else 'MISSED'}")
PY
echo
echo "logging latency from a thread's first call (goals for leadscout: p50 <= 15 ns, p99 <= 250 ns):"
cat "$out/latency.txt"
echo
echo "streamed input (goals: peak RSS <= 256 MiB at 10M items, resume <= 5 s with a JSONL or CSV file or a callback):"
cat "$out/stream.txt"
cat "$out/quota.txt"
echo
cat "$out/llm_batch.txt"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
