#!/usr/bin/env bash
# The 500-lead demo in one command: installs what is missing (Debian packages), builds Release,
# starts examples/demo_500_leads in the background, shows its progress until it ends, then
# prints the summary and where the results and logs are.
#   scripts/demo.sh                     500 generated leads, about a minute
#   scripts/demo.sh --leads 2000        any demo_500_leads option is passed through
#   scripts/demo.sh --fresh             start over instead of resuming an earlier run
#   scripts/demo.sh --http              the same over HTTP, against leadscout-llm-stub on a free port
#   scripts/demo.sh --http --batch      the leads that need the model through the stub's batch API
# Ctrl-C stops the watching, not the demo. The exit status is the demo's.
# LEADSCOUT_DEMO_BUILD_DIR overrides the build directory (build/release).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
build_dir=${LEADSCOUT_DEMO_BUILD_DIR:-build/release}

# The demo's own options that decide where things go (everything is passed through unchanged).
log_dir=${LEADSCOUT_LOG_DIR:-logs}
operation=logistics_demo
output=
http=0
batch=0
all_args="$*"
# The simulated provider's settings; with --http they configure the stub instead.
stub_flags=(--seed 42 --latency-ms 1800 --failure-rate 0.05 --hang-rate 0.01 --rpm 5000 --tpm 2000000)
set_stub_flag() {  # set_stub_flag FLAG VALUE
  local i
  for ((i = 0; i < ${#stub_flags[@]}; i += 2)); do
    if [ "${stub_flags[$i]}" = "$1" ]; then stub_flags[i + 1]=$2; fi
  done
}
demo_args=()
for a in "$@"; do
  case "$a" in
    --http) http=1 ;;
    --batch) batch=1 ;;
    *) demo_args+=("$a") ;;
  esac
done
if [ "$batch" = 1 ]; then
  if [ "$http" != 1 ]; then
    echo "scripts/demo.sh: --batch needs --http (the simulated provider has no batch API)" >&2
    exit 2
  fi
  # Batches that take 10 s at the stub, polled at most every 5 s.
  stub_flags+=(--batch-seconds 10)
  demo_args+=(--llm-batch --batch-poll-interval 5s)
fi
args=("${demo_args[@]}")
for ((i = 0; i < ${#args[@]}; i++)); do
  a=${args[$i]}
  next=${args[$((i + 1))]:-}
  case "$a" in
    --seed) set_stub_flag --seed "$next" ;;
    --llm-latency-ms) set_stub_flag --latency-ms "$next" ;;
    --llm-failure-rate) set_stub_flag --failure-rate "$next" ;;
    --llm-hang-rate) set_stub_flag --hang-rate "$next" ;;
    --llm-rpm) set_stub_flag --rpm "$next" ;;
    --llm-tpm) set_stub_flag --tpm "$next" ;;
    -h|--help)
      sed -n '2,12p' "$0"
      echo "Demo options: $build_dir/examples/demo_500_leads/demo_500_leads --help"
      exit 0 ;;
    --log-dir) log_dir=$next ;;
    --log-dir=*) log_dir=${a#*=} ;;
    --operation) operation=$next ;;
    --operation=*) operation=${a#*=} ;;
    --output) output=$next ;;
    --output=*) output=${a#*=} ;;
  esac
done
output=${output:-results/$operation.csv}
progress_file=$log_dir/progress/$operation.json

ensure_packages scripts/demo.sh "${leadscout_build_packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
echo "== configure ($build_dir, Release)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_BENCH=OFF >/dev/null
targets=(demo_500_leads)
if [ "$http" = 1 ]; then targets+=(leadscout-llm-stub); fi
available=$(cmake --build "$build_dir" --target help 2>/dev/null || true)
for t in leadscout-status leadscout-logs; do
  if grep -qw -- "$t" <<<"$available"; then targets+=("$t"); fi
done
echo "== build: ${targets[*]}"
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}" >/dev/null

demo_bin=$build_dir/examples/demo_500_leads/demo_500_leads
status_bin=$build_dir/tools/status/leadscout-status
logs_bin=$build_dir/tools/logs/leadscout-logs
mkdir -p "$log_dir"
console_file=$log_dir/demo_500_leads.out

# setsid: its own session, so a Ctrl-C here (or closing this terminal) does not reach it;
# nohup and the redirections: it never needs a terminal.
started_at=$(date +%s)
stub_pid=
if [ "$http" = 1 ]; then
  # The stub on a free port; its first line on stdout names the port.
  stub_out=$log_dir/llm-stub.out
  : >"$stub_out"
  setsid nohup "$build_dir/tools/llm_stub/leadscout-llm-stub" --port 0 "${stub_flags[@]}" >"$stub_out" 2>&1 </dev/null &
  stub_pid=$!
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$stub_out"; then break; fi
    sleep 0.1
  done
  stub_url=$(sed -n '1s/^listening on /http:\/\//p' "$stub_out")
  if [ -z "$stub_url" ]; then
    echo "leadscout-llm-stub did not start (see $stub_out)" >&2
    kill -TERM "$stub_pid" 2>/dev/null || true
    exit 1
  fi
  echo "== leadscout-llm-stub (pid $stub_pid) listening at $stub_url"
  demo_args+=(--llm-url "$stub_url/v1")
  # The stub takes any key but its --reject-key; a real key is never needed here.
  export OPENAI_API_KEY=${OPENAI_API_KEY:-sk-local-stub}
fi
stop_stub() {
  if [ -n "$stub_pid" ]; then
    kill -TERM "$stub_pid" 2>/dev/null || true
    wait "$stub_pid" 2>/dev/null || true
  fi
}
setsid nohup "$demo_bin" "${demo_args[@]}" >"$console_file" 2>&1 </dev/null &
pid=$!
cat <<EOF
== demo_500_leads started in the background
   pid       $pid
   command   $demo_bin ${demo_args[*]}
   console   $console_file
   logs      $log_dir/{debug,production,progress}/
   progress  $progress_file
   results   $output (written when it ends)
   Ctrl-C stops watching, not the demo.
EOF

# shellcheck disable=SC2317  # called by the INT trap
stop_watching() {
  trap - INT
  echo
  echo "== stopped watching; demo_500_leads keeps running (pid $pid)"
  echo "   watch again:  ${status_bin} --watch --dir $log_dir/progress $operation"
  echo "   or:           cat $progress_file"
  echo "   stop it:      kill -TERM $pid    (exits 143; finished leads are kept)"
  echo "   resume it:    scripts/demo.sh $all_args    (the same command continues where it stopped)"
  if [ -n "$stub_pid" ]; then
    echo "   the stub:     kill -TERM $stub_pid    (leadscout-llm-stub, once the demo has ended)"
  fi
  exit 130
}
trap stop_watching INT

# Wait for the first progress file of this run (or an early exit, e.g. bad usage).
while kill -0 "$pid" 2>/dev/null; do
  if [ -f "$progress_file" ] && [ "$(stat -c %Y "$progress_file")" -ge "$started_at" ]; then break; fi
  sleep 0.2
done

json_field() {  # json_field FILE KEY: a top-level number or string of the pretty-printed progress file
  sed -n "s/^  \"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1" 2>/dev/null | head -n 1
}

if kill -0 "$pid" 2>/dev/null; then
  if [ -x "$status_bin" ]; then
    echo "== $status_bin --watch --dir $log_dir/progress $operation"
    "$status_bin" --watch --dir "$log_dir/progress" "$operation" || true
  else
    echo "== progress (leadscout-status is not built; reading $progress_file)"
    while kill -0 "$pid" 2>/dev/null; do
      line="$(json_field "$progress_file" status) $(json_field "$progress_file" processed)/$(json_field "$progress_file" total) leads ($(json_field "$progress_file" percentage)%)"
      if [ -t 1 ]; then printf '\r   %s\033[K' "$line"; else echo "   $line"; fi
      sleep 1
    done
    if [ -t 1 ]; then echo; fi
  fi
fi

set +e
wait "$pid"
code=$?
set -e
trap - INT
stop_stub

case "$code" in
  0) meaning="completed" ;;
  5) meaning="completed, but some leads failed every attempt; run the same command to try them again" ;;
  130) meaning="interrupted by SIGINT; run the same command to resume" ;;
  143) meaning="interrupted by SIGTERM; run the same command to resume" ;;
  2) meaning="bad usage or input (see $console_file)" ;;
  3) meaning="deadline exceeded; run the same command to resume" ;;
  4) meaning="budget spent; run the same command with a larger --budget-usd to resume" ;;
  *) meaning="failed (see $log_dir/production/errors-*.log)" ;;
esac
echo "== demo_500_leads exited with $code: $meaning"
if [ -f "$progress_file" ]; then
  echo "   status    $(json_field "$progress_file" status), $(json_field "$progress_file" processed)/$(json_field "$progress_file" total) leads, $(json_field "$progress_file" failed) failed, $(json_field "$progress_file" elapsed_seconds) s"
  skipped=$(json_field "$progress_file" skipped_resumed)
  if [ -n "$skipped" ] && [ "$skipped" != 0 ]; then
    echo "   resumed   $skipped leads were already done by an earlier run (add --fresh to start over)"
  fi
fi
if [ -f "$output" ]; then
  echo "   results   $output ($(($(wc -l <"$output") - 1)) rows)"
  head -n 4 "$output" | sed 's/^/             /'
fi
echo "   logs      $log_dir"
find "$log_dir" -type f | sort | while read -r f; do
  printf '             %-60s %8s bytes\n' "$f" "$(stat -c %s "$f")"
done
grep -E ' (Batch processing (complete|stopped)|Performance metrics|Business results|Results written) ' \
  "$console_file" 2>/dev/null | tail -n 4 | sed 's/^/   /' || true
if [ -x "$logs_bin" ]; then
  echo "   analyse   $logs_bin summary $log_dir    |    $logs_bin perf --by provider $log_dir"
fi
exit "$code"
