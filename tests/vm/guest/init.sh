#!/bin/sh
# PID 1 of the test VM: mount the kernel filesystems, load the modules the
# host picked (in dependency order), describe the input devices the way udev
# would, then hand over to the agent that serves the host on ttyS1.
export PATH=/sw/bin:/rig/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /rig/lib.sh

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# The DRM drivers' state and vkms's CRCs live in debugfs.
mount -t debugfs debugfs /sys/kernel/debug

echo "rig: kernel $(uname -r)"
# One module a line, with its parameters after the name.
while read -r mod params; do
	insmod "/modules/$mod.ko" $params || echo "rig: insmod $mod failed"
done < /modules/order

# The DRM device, the keyboard and the PS/2 mouse (probed slowly) appear
# asynchronously after insmod.
have_devices() {
	[ -e /dev/dri/card0 ] || return 1
	if grep -q '^vkms ' /modules/order; then
		card_of vkms > /dev/null || return 1
	fi
	grep -qi keyboard /sys/class/input/event*/device/name 2> /dev/null || return 1
	grep -qi mouse /sys/class/input/event*/device/name 2> /dev/null || return 1
}
i=0
while ! have_devices && [ $i -lt 150 ]; do
	usleep 100000
	i=$((i + 1))
done
have_devices || echo "rig: DRM device, keyboard or mouse missing after 15 s"

# No udevd runs here, yet libinput (even its path backend) only accepts
# devices that carry udev's ID_INPUT* properties in the udev database and
# waits for the device to count as initialized. Write that database.
mkdir -p /run/udev/data /run/udev/tags/seat
for ev in /sys/class/input/event*; do
	[ -e "$ev/dev" ] || continue
	name=$(cat "$ev/device/name")
	devnum=$(cat "$ev/dev")
	case "$name" in
	*[Kk]eyboard*) props="ID_INPUT_KEY=1 ID_INPUT_KEYBOARD=1" ;;
	*[Mm]ouse*) props="ID_INPUT_MOUSE=1" ;;
	*"Power Button"*) props="ID_INPUT_KEY=1" ;;
	*) continue ;;
	esac
	{
		echo "I:1"
		echo "E:ID_INPUT=1"
		for p in $props; do echo "E:$p"; done
		echo "E:ID_SEAT=seat0"
		echo "G:seat"
		echo "Q:seat"
	} > "/run/udev/data/c$devnum"
	: > "/run/udev/tags/seat/c$devnum"
	echo "rig: input ${ev##*/} ($devnum) \"$name\": $props"
done
for card in /sys/class/drm/card[0-9]; do
	[ -e "$card/dev" ] || continue
	devnum=$(cat "$card/dev")
	printf 'I:1\nE:ID_SEAT=seat0\nG:seat\nG:master-of-seat\nQ:seat\nQ:master-of-seat\n' \
		> "/run/udev/data/c$devnum"
	: > "/run/udev/tags/seat/c$devnum"
done

mkdir -p /run/user/0 /root /tmp/rig
chmod 0700 /run/user/0

# An unprivileged user in the video group, for the scenarios that run sealway
# through seatd (`seatd -g video` lets that group's members have the seat).
echo 'sw:x:1000:1000:sealway test user:/home/sw:/bin/sh' >> /etc/passwd
sed -i 's/^video:x:44:$/video:x:44:sw/' /etc/group
echo 'sw:x:1000:' >> /etc/group
mkdir -p /run/user/1000 /home/sw
chown 1000:1000 /run/user/1000 /home/sw
chmod 0700 /run/user/1000
hostname sealway-vm

# Something recognisable on the text console the compositor replaces.
printf '\033[2J\033[Hsealway VM rig: text console on tty1\n' > /dev/tty1

# The agent must not be PID 1: orphaned processes are reparented to PID 1,
# and a SIGCHLD arriving while busybox sh is inside `read` restarts the read
# and loses the part of the line already taken from the serial port.
/rig/agent.sh
echo "rig: agent ended with status $?"
poweroff -f
