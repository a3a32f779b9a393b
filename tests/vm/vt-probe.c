/*
 * vt-probe: prints the state of a VT (default /dev/tty0, the foreground one)
 * the way the VM scenarios compare it before and after the compositor:
 *
 *   vt-probe: kbmode=K_UNICODE kdmode=KD_TEXT vtmode=VT_AUTO
 *
 * Usage: vt-probe [TTY]
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kd.h>
#include <linux/vt.h>

static const char *
kb_name(int mode)
{
	switch (mode) {
	case K_RAW: return "K_RAW";
	case K_XLATE: return "K_XLATE";
	case K_MEDIUMRAW: return "K_MEDIUMRAW";
	case K_UNICODE: return "K_UNICODE";
	case K_OFF: return "K_OFF";
	default: return "?";
	}
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/tty0";
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vt-probe: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int kb = -1, kd = -1;
	struct vt_mode vt = { 0 };
	if (ioctl(fd, KDGKBMODE, &kb) != 0 || ioctl(fd, KDGETMODE, &kd) != 0 ||
	    ioctl(fd, VT_GETMODE, &vt) != 0) {
		fprintf(stderr, "vt-probe: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	printf("vt-probe: kbmode=%s kdmode=%s vtmode=%s\n", kb_name(kb),
	       kd == KD_TEXT ? "KD_TEXT" : kd == KD_GRAPHICS ? "KD_GRAPHICS" : "?",
	       vt.mode == VT_AUTO ? "VT_AUTO" : vt.mode == VT_PROCESS ? "VT_PROCESS" : "?");
	return 0;
}
