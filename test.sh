#!/usr/bin/env bash
# Runs every test of the portal: unit, bUnit, integration and browser tests.
# Installs the Debian packages the tests need when they are missing, and sets PORTAL_REQUIRE_INTEGRATION=1
# so that a test whose real service is missing fails instead of skipping.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Browser").
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive for real.
packages=(chromium fonts-dejavu-core socat ser2net snmpd openssh-server openssh-client docker.io cgroupfs-mount busybox-static
  qemu-system-x86 qemu-utils cpio dropbear-bin openssl tftpd-hpa tftp-hpa prometheus systemd asciinema postgresql nginx)

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A Docker engine for the sandbox tests: the one that answers, or dockerd started here (and stopped at the end).
started_dockerd=""
stop_dockerd() { [ -z "$started_dockerd" ] || { $sudo_cmd kill "$started_dockerd" 2>/dev/null; wait "$started_dockerd" 2>/dev/null || true; }; }
trap stop_dockerd EXIT
if ! docker info >/dev/null 2>&1; then
  echo "test.sh: starting dockerd"
  # dockerd needs the cgroup controllers mounted; where no init did it (a container, say), cgroupfs-mount does.
  if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && ! mountpoint -q /sys/fs/cgroup/devices; then
    $sudo_cmd cgroupfs-mount
  fi
  dockerd_log=$(mktemp)
  $sudo_cmd dockerd >"$dockerd_log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "test.sh: dockerd did not start:"; cat "$dockerd_log"; exit 1; }
fi

# The sandbox image, built without a registry: a busybox rootfs piped into `docker import`.
if ! docker image inspect portal-sandbox:test >/dev/null 2>&1; then
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp}
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/sh"]' - portal-sandbox:test >/dev/null
  rm -rf "$rootfs"
fi

# The demo lab's QEMU image (kernel from Debian's linux-image-cloud-amd64, busybox initramfs); the QEMU tests reuse
# its kernel. apt-get download needs the package lists.
if [ ! -s Portal/data/qemu-demo/vmlinuz ] || [ ! -s Portal/data/qemu-demo/initrd.img ] || [ ! -d Portal/data/qemu-demo/modules ]; then
  apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1 || $sudo_cmd apt-get update -qq
  lab/qemu-demo.sh
fi

export PORTAL_REQUIRE_INTEGRATION=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log=$(mktemp)
trap 'rm -f "$log"; stop_dockerd' EXIT
status=0
# A hung test fails (with a dump) instead of stalling the run.
dotnet test Portal.sln --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?

# The whole suite again with the portal's database on PostgreSQL (the tests start their own server), so that both
# providers are tested everywhere, not only where a test asks for one.
echo "test.sh: the suite again on PostgreSQL (PORTAL_TEST_DATABASE=postgres)"
PORTAL_TEST_DATABASE=postgres dotnet test Portal.sln --no-build --blame-hang-timeout 10m "$@" 2>&1 | tee -a "$log" || status=$?

# One plain summary line for CI, summed over the test assemblies and both passes.
awk '/(Passed|Failed)! +- Failed: /{gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
