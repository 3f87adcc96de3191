#!/usr/bin/env bash
# Runs every test of the portal: unit, bUnit, integration and browser tests.
# Installs the Debian packages the tests need when they are missing, and sets PORTAL_REQUIRE_INTEGRATION=1
# so that a test whose real service is missing fails instead of skipping.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Browser").
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive for real.
packages=(chromium fonts-dejavu-core socat ser2net snmpd)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export PORTAL_REQUIRE_INTEGRATION=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# A hung test fails (with a dump) instead of stalling the run.
dotnet test Portal.sln --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?

# One plain summary line for CI, summed over the test assemblies.
awk '/(Passed|Failed)! +- Failed: /{gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
