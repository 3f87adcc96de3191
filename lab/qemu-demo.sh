#!/usr/bin/env bash
# Builds the demo lab's bootable image from Debian packages only: a kernel from linux-image-cloud-amd64 (downloaded
# with apt-get download and unpacked with dpkg-deb -x, nothing installed on the host) and an initramfs made from
# busybox-static whose init prints a banner and runs a shell on ttyS0. With dropbear-bin on the host, the image also
# runs an ssh server (root, password "portal-demo") on a virtio network card when QEMU gives it one (the board's
# Power:SshPort), so ssh, scp and the portal's SSH tabs and tunnels reach the board.
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

# The network card's drivers are modules of this kernel; they are kept beside it, in the order they load.
net_modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"

if [ ! -s "$out/vmlinuz" ] || [ ! -d "$out/modules" ]; then
  # The metapackage only depends on the versioned kernel package; fetch that one.
  package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  [ -n "$package" ] || { echo "qemu-demo.sh: apt-cache knows no linux-image-cloud-amd64 (run apt-get update)" >&2; exit 1; }
  (cd "$work" && apt-get download -q "$package" >/dev/null 2>&1) ||
    { echo "qemu-demo.sh: apt-get download $package failed" >&2; exit 1; }
  dpkg-deb -x "$work"/"$package"_*.deb "$work/kernel"
  rm -rf "$out/modules.tmp" && mkdir -p "$out/modules.tmp"
  for module in $net_modules; do
    find "$work"/kernel/lib/modules -name "$module.ko" -exec cp {} "$out/modules.tmp/" \;
  done
  cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz.tmp"
  rm -rf "$out/modules" && mv "$out/modules.tmp" "$out/modules"
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

dropbear=$(command -v dropbear || true)
[ -n "$dropbear" ] || dropbear=/usr/sbin/dropbear
if [ -x "$dropbear" ] && command -v dropbearkey >/dev/null && command -v openssl >/dev/null; then
  mkdir -p "$root/lib/modules" "$root/etc/dropbear" "$root/var/run" "$root/usr/sbin"
  cp "$out"/modules/*.ko "$root/lib/modules/"
  # dropbear and the libraries it links, at the same paths.
  cp "$dropbear" "$root/usr/sbin/dropbear"
  for library in $(ldd "$dropbear" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
  dropbearkey -t ed25519 -f "$root/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo "root:$(openssl passwd -6 portal-demo):19000:0:99999:7:::" >"$root/etc/shadow"
  chmod 600 "$root/etc/shadow"
  echo /bin/sh >"$root/etc/shells"
  cat >"$root/etc/network.sh" <<NETWORK
#!/bin/busybox sh
# QEMU's user-mode network: the guest is 10.0.2.15, the host's forwarded port reaches its port 22.
dmesg -n 1
for module in $net_modules; do insmod /lib/modules/\$module.ko 2>/dev/null; done
[ -d /sys/class/net/eth0 ] || exit 0
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
/usr/sbin/dropbear -R -p 22 && echo "ssh: dropbear on 10.0.2.15:22"
NETWORK
  chmod +x "$root/etc/network.sh"
  # After the banner and the marker: the network never delays what a boot is timed by.
  sed -i 's|^export HOME=/root|/etc/network.sh\nexport HOME=/root|' "$root/init"
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "qemu-demo.sh: $out/vmlinuz and $out/initrd.img"
