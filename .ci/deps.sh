#!/bin/sh
# Installs everything sealway needs to build, run and test on Debian 12 (as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
pkgs="
  build-essential meson ninja-build pkg-config
  libwayland-dev libwayland-bin wayland-protocols
  libdrm-dev libpixman-1-dev libpng-dev
  libseat-dev libinput-dev libxkbcommon-dev libudev-dev
  weston sway wayland-utils grim foot wev waypipe strace wl-clipboard wtype
  libsdl2-tests swaybg mpv
  qemu-system-x86 busybox-static cpio gzip xz-utils kmod seatd
  dwarves
  python3 python3-matplotlib fonts-dejavu-core
  clang libclang-rt-14-dev
"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends $missing
fi
