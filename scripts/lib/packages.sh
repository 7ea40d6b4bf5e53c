# Sourced by the scripts in scripts/: the Debian packages leadscout builds with, and a function
# that installs whichever of them are missing.

# What every build needs (compilers, CMake and Ninja, the libraries found with find_package; binutils' nm
# and objdump for the test of the shared libraries' symbols; faketime, python3, openssl, the JSON
# Schema Test Suite and prometheus, whose promtool checks the Prometheus files, for tests).
leadscout_build_packages=(g++ cmake make ninja-build pkg-config binutils libspdlog-dev libfmt-dev nlohmann-json3-dev
                          libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libcli11-dev libcpp-httplib-dev libssl-dev
                          libsqlite3-dev libhiredis-dev redis-server faketime python3 openssl doxygen json-schema-test-suite prometheus)

# The official OpenAI and Anthropic SDKs that test leadscout-llm-stub run on node; wanted only
# when node or npm is not on PATH already (node is often installed outside apt).
leadscout_node_packages=(nodejs npm)

# ensure_packages SCRIPT PACKAGE...: installs the missing ones with apt-get as root; otherwise
# prints the command to run and exits 1.
ensure_packages() {
  local script=$1
  shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$script: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "== installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
