#!/usr/bin/env bash
# Builds the demo lab's bootable image from Debian packages only: a kernel from linux-image-cloud-amd64 (downloaded
# with apt-get download and unpacked with dpkg-deb -x, nothing installed on the host) and an initramfs made from
# busybox-static whose init prints a banner and runs a shell on ttyS0.
#
#   lab/qemu-demo.sh [OUTPUT_DIR] [MARKER]
#
# OUTPUT_DIR defaults to Portal/data/qemu-demo (where the shipped appsettings.json looks); MARKER, when given, is
# printed by init after the banner (the tests boot an image with a random one). Writes OUTPUT_DIR/vmlinuz and
# OUTPUT_DIR/initrd.img; a kernel already there is kept, so a second run only rebuilds the initramfs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/Portal/data/qemu-demo}
marker=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)

busybox=/bin/busybox
[ -x "$busybox" ] || { echo "qemu-demo.sh: busybox not found: apt-get install busybox-static" >&2; exit 1; }
command -v cpio >/dev/null || { echo "qemu-demo.sh: cpio not found: apt-get install cpio" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -s "$out/vmlinuz" ]; then
  # The metapackage only depends on the versioned kernel package; fetch that one.
  package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  [ -n "$package" ] || { echo "qemu-demo.sh: apt-cache knows no linux-image-cloud-amd64 (run apt-get update)" >&2; exit 1; }
  (cd "$work" && apt-get download -q "$package" >/dev/null 2>&1) ||
    { echo "qemu-demo.sh: apt-get download $package failed" >&2; exit 1; }
  dpkg-deb -x "$work"/"$package"_*.deb "$work/kernel"
  cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz.tmp"
  mv "$out/vmlinuz.tmp" "$out/vmlinuz"
fi

root="$work/initramfs"
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,root}
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
echo
echo "Portal demo board: Linux \$(uname -r), busybox $("$busybox" | head -n1 | cut -d' ' -f2)"
${marker:+echo "$marker"}
# portal.marker=X on the kernel command line prints "marker X": a deploy can tell one boot from the next.
for word in \$(cat /proc/cmdline); do
  case "\$word" in portal.marker=*) echo "marker \${word#portal.marker=}" ;; esac
done
export HOME=/root PS1='~ # '
cd /root
# A shell on the serial line, with job control; started again when it exits, as getty would.
while true; do /bin/busybox setsid /bin/busybox cttyhack /bin/sh -l; done
INIT
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "qemu-demo.sh: $out/vmlinuz and $out/initrd.img"
