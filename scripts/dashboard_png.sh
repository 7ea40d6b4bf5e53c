#!/usr/bin/env bash
# Regenerates docs/dashboard.png from a real run: builds demo_500_leads and leadscout-llm-stub,
# starts the stub with strict limits (a second's share at a time, as some providers enforce
# them), runs the demo against it over HTTP with a quota that asks for more than the stub allows
# (so some calls are answered 429) and a budget, with the dashboard on loopback, and takes the
# screenshot with headless Chromium once the rate chart has some history.
#   scripts/dashboard_png.sh                 writes docs/dashboard.png
#   scripts/dashboard_png.sh shot.png        writes shot.png instead
# LEADSCOUT_DASHBOARD_BUILD_DIR overrides the build directory (build/release). Needs chromium
# (Debian: apt-get install -y chromium) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/dashboard.png}
build_dir=${LEADSCOUT_DASHBOARD_BUILD_DIR:-build/release}
history_seconds=40  # of the run shown on the rate chart
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "dashboard_png.sh: needs chromium (Debian: apt-get install -y chromium)" >&2
  exit 1
fi

echo "== build ($build_dir): demo_500_leads leadscout-llm-stub"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target demo_500_leads leadscout-llm-stub >/dev/null
demo_bin=$build_dir/examples/demo_500_leads/demo_500_leads
stub_bin=$build_dir/tools/llm_stub/leadscout-llm-stub

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 600 requests a minute, enforced ten at a time; the headers report the minute.
"$stub_bin" --port 0 --seed 42 --latency-ms 800 --rpm 600 --tpm 1000000 --window-seconds 1 >"$work/stub.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  if grep -q '^listening on ' "$work/stub.out"; then break; fi
  sleep 0.1
done
stub_url=$(sed -n '1s/^listening on /http:\/\//p' "$work/stub.out")
[ -n "$stub_url" ] || { echo "leadscout-llm-stub did not start: $(cat "$work/stub.out")" >&2; exit 1; }

# The client asks for a little more than the stub allows, in bursts of a second: the stub
# refuses the excess now and then, and the quota cools down after each 429. The budget stops
# the run some time after the shot.
monitor_port=$(free_port)
echo "== demo_500_leads against $stub_url, dashboard on 127.0.0.1:$monitor_port"
OPENAI_API_KEY=sk-local-stub LEADSCOUT_HTTP=127.0.0.1:$monitor_port \
  "$demo_bin" --leads 20000 --fresh --concurrency 32 --llm-url "$stub_url/v1" --rpm 612 --budget-usd 0.05 \
  --log-dir "$work/logs" --output "$work/results.csv" >"$work/demo.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$monitor_port/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

# Headless Chromium runs the page on virtual time, which stands still while a fetch is pending:
# a proxy that answers each poll a second late makes the page's clock keep pace with the run's,
# so the rate chart gathers `history_seconds` of real history before the screenshot.
proxy_port=$(free_port)
python3 - "$proxy_port" "$monitor_port" >"$work/proxy.out" 2>&1 <<'EOF' &
import http.server, sys, time, urllib.request
listen, target = int(sys.argv[1]), int(sys.argv[2])
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            time.sleep(1.0)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{target}{self.path}", timeout=5) as r:
                status, body, kind = 200, r.read(), r.headers.get("content-type", "text/plain")
        except Exception as e:  # the run is over: the page says so
            status, body, kind = 502, str(e).encode(), "text/plain"
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", listen), Proxy).serve_forever()
EOF
pids+=($!)
sleep 1

echo "== screenshot after ${history_seconds} s of the run"
mkdir -p "$(dirname "$out")"
# Bounded: a page whose fetches never settle would keep virtual time from ending.
timeout -k 5 $((history_seconds * 3)) "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,900 --virtual-time-budget=$((history_seconds * 1000)) \
  --screenshot="$out" "http://127.0.0.1:$proxy_port/" >/dev/null 2>&1 || true
[ -s "$out" ] || { echo "dashboard_png.sh: chromium wrote no screenshot" >&2; exit 1; }
curl -s "http://127.0.0.1:$monitor_port/progress" >"$work/progress.json" || true
python3 - "$work/progress.json" 2>/dev/null <<'EOF' || echo "== the run was over before the screenshot: see the picture"
import json, sys
for p in json.load(open(sys.argv[1])):
    for name, q in (p.get("quotas") or {}).items():
        print(f"== {p.get('operation')}: {p.get('processed')} processed; quota {name}: "
              f"${q.get('spent_usd', 0):.4f} of ${q.get('budget_usd', 0):.2f}, {q.get('rate_limited_total', 0)} 429s")
EOF
echo "== wrote $out"
