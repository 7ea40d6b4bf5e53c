#!/usr/bin/env bash
# Soak: a 1,000,000-lead run of demo_500_leads (near-zero simulated latency, concurrency 64),
# killed with SIGKILL 10 times at random points and resumed each time. Afterwards every classified lead
# must have exactly one result, the journal and every log line must be valid JSON, and the peak
# RSS and the resume times are printed. Not part of scripts/test.sh; see docs/reliability.md.
#   scripts/soak.sh                 1,000,000 leads, 10 kills
#   scripts/soak.sh 200000 5        smaller
set -euo pipefail
cd "$(dirname "$0")/.."
leads=${1:-1000000}
kills=${2:-10}
build_dir=build/release
# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
ensure_packages scripts/soak.sh "${leadscout_build_packages[@]}" python3 time procps
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target demo_500_leads >/dev/null
demo=$PWD/$build_dir/examples/demo_500_leads/demo_500_leads

work=$(mktemp -d "${TMPDIR:-/tmp}/leadscout-soak-XXXXXX")
cd "$work"
# Simulated provider limits far above what the run reaches: the soak measures the framework,
# not a rate limit (an unlimited provider still answers with nominal 10,000 RPM headers).
args=(--leads "$leads" --concurrency 64 --llm-latency-ms 0 --llm-hang-rate 0 --llm-rpm 100000000
      --llm-tpm 100000000000 --item-timeout 30s --output results.csv)
export LEADSCOUT_LOG_CONSOLE=off
echo "== soak: $leads leads, $kills SIGKILLs, in $work"

for ((k = 1; k <= kills; k++)); do
  /usr/bin/time -f "%M" -o "rss-$k.txt" "$demo" "${args[@]}" >/dev/null 2>&1 &
  pid=$!
  # Kill at a random point: after 0.5 to 3 s of work.
  sleep "$(( RANDOM % 25 + 5 ))e-1"
  demo_pid=$(pgrep -P "$pid" -f demo_500_leads || echo "$pid")
  done_before=$(python3 -c "import json;print(json.load(open('logs/progress/logistics_demo.json'))['processed'])" 2>/dev/null || echo 0)
  kill -KILL "$demo_pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "   kill $k: SIGKILL after $done_before processed"
done
start=$(date +%s%N)
# `|| code=$?`: under set -e a failing final run would otherwise end the script silently.
code=0
/usr/bin/time -f "%M" -o rss-final.txt "$demo" "${args[@]}" >final-run.log 2>&1 || code=$?
end=$(date +%s%N)
echo "   final run: exit $code in $(( (end - start) / 1000000 )) ms"
# 5: completed, with leads that failed every attempt (the simulated provider fails some calls).
if ((code != 0 && code != 5)); then
  echo "== soak FAILED: the final run exited with $code; the end of its output ($work/final-run.log):" >&2
  tail -n 20 final-run.log >&2
  exit 1
fi

python3 - "$leads" "$kills" <<'PY'
import csv, glob, gzip, json, sys
leads, kills = int(sys.argv[1]), int(sys.argv[2])
ids = [row["id"] for row in csv.DictReader(open("results.csv"))]
assert len(set(ids)) == len(ids), f"{len(ids) - len(set(ids))} duplicate ids in the results"
ok = {}
failed = set()
with open("logs/progress/logistics_demo.checkpoint.jsonl") as f:
    header = json.loads(f.readline())
    lines = 1
    for line in f:
        rec = json.loads(line)  # every journal line is valid JSON
        lines += 1
        if rec["status"] == "ok":
            ok[rec["id"]] = ok.get(rec["id"], 0) + 1
        elif rec["status"] == "failed":
            failed.add(rec["id"])
failed -= ok.keys()
assert len(ok) + len(failed) == leads, f"{len(ok)} ok and {len(failed)} failed ids, expected {leads} in all"
assert set(ids) == ok.keys(), "the results file and the journal's ok ids differ"
twice = sum(1 for n in ok.values() if n > 1)
bad = 0
count = 0
files = 0
for path in glob.glob("logs/**/*.log", recursive=True) + glob.glob("logs/**/*.log.gz", recursive=True):
    if "current-operation" in path:
        continue
    files += 1
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            count += 1
            try:
                json.loads(line)
            except ValueError:
                bad += 1
print(f"   results: {len(ids)} distinct classified leads, one row each; {len(failed)} failed every attempt")
print(f"   journal: {lines} lines, all valid JSON; {twice} ids journaled ok twice")
assert twice == 0, "a finished item ran again"
# A SIGKILL in the middle of a write(2) can cut the line being written (the kernel stops a
# write at a page boundary); the next run starts on a new line, so a kill tears at most one
# line per file and never glues two lines together.
print(f"   logs: {count} lines in {files} files, {bad} torn by the {kills} kills")
assert bad <= kills * files, "more torn lines than kills"
PY
peak=$(cat rss-*.txt | sort -n | tail -n 1)
echo "   peak RSS over all runs: $((peak / 1024)) MiB"
grep -h "Batch started" logs/production/operations-*.log | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    print("   start: resumed=%s pending=%s" % (e.get("resumed"), e.get("pending")))
' | tail -n 3
echo "== soak passed ($work)"
