/*
 * fault-preload: an LD_PRELOAD library for the VM scenarios that makes the
 * compositor meet faults it cannot be made to meet from outside. Each fault
 * is chosen by an environment variable, read (and removed, with LD_PRELOAD,
 * so that the compositor's clients run unharmed) when the library loads:
 *
 *   SW_FAULT_COMMIT=FIRST:COUNT:ERRNO  KMS commits (drmModeAtomicCommit and
 *        drmModePageFlip calls) number FIRST to FIRST+COUNT-1, counting from 1,
 *        fail with ERRNO (EBUSY, EINVAL, ENOSPC or a number)
 *   SW_FAULT_SEGV_AT_COMMIT=N          the N-th KMS commit writes through a
 *        bad pointer instead (a real SIGSEGV in the middle of a frame)
 *   SW_FAULT_SEGV_MS=N                 N ms after start, a timer's handler
 *        writes through a bad pointer
 *   SW_FAULT_CRASH_ALONE=1             before those faults, SIGKILL the
 *        process's children: libseat's built-in seat daemon is one, and it
 *        would otherwise give the VT back itself, hiding what the
 *        compositor's own crash handler does
 *   SW_FAULT_NO_OUTPUT=1               creating the wl_output global fails
 *   SW_FAULT_TEST_OVERLAY=ERRNO        TEST_ONLY commits that put a framebuffer
 *        on an overlay plane fail with ERRNO (the real commits are left alone)
 *
 * Every fault it causes is announced on stderr, so the logs say what was
 * injected.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <wayland-server-core.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

static struct {
	unsigned commit_first, commit_count;
	int commit_errno;
	unsigned segv_at_commit;
	unsigned commits;
	int no_output;
	int crash_alone;
	int test_overlay_errno;
	unsigned test_overlay_failed;
	/* The nonzero values set in the request being built: which objects get FB_IDs. */
	struct {
		uint32_t object, property;
	} set[64];
	unsigned n_set;
} fault;

/* Through a volatile pointer so the compiler cannot see it coming. */
static int *volatile bad_pointer = (int *)16;

/* Every thread's children, from /proc/self/task/TID/children. */
static void
kill_children(void)
{
	DIR *tasks = opendir("/proc/self/task");
	if (!tasks)
		return;
	struct dirent *task;
	while ((task = readdir(tasks))) {
		if (task->d_name[0] == '.')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", task->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int pid;
		while (fscanf(f, "%d", &pid) == 1) {
			fprintf(stderr, "fault-preload: killing child %d\n", pid);
			kill(pid, SIGKILL);
		}
		fclose(f);
	}
	closedir(tasks);
}

static void
crash(const char *why)
{
	if (fault.crash_alone)
		kill_children();
	fprintf(stderr, "fault-preload: %s: writing through %p\n", why, (void *)bad_pointer);
	*bad_pointer = 1;
}

static void
handle_alarm(int sig)
{
	crash("timer expired");
}

static int
parse_errno(const char *s)
{
	static const struct { const char *name; int value; } names[] = {
		{ "EBUSY", EBUSY }, { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC },
		{ "ENOMEM", ENOMEM }, { "ENODEV", ENODEV }, { "EACCES", EACCES },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0)
			return names[i].value;
	}
	return atoi(s);
}

__attribute__((constructor)) static void
fault_init(void)
{
	const char *v;
	if ((v = getenv("SW_FAULT_COMMIT"))) {
		char name[32];
		if (sscanf(v, "%u:%u:%31s", &fault.commit_first, &fault.commit_count, name) != 3 ||
		    !(fault.commit_errno = parse_errno(name)))
			fprintf(stderr, "fault-preload: bad SW_FAULT_COMMIT '%s'\n", v);
	}
	if ((v = getenv("SW_FAULT_SEGV_AT_COMMIT")))
		fault.segv_at_commit = (unsigned)atoi(v);
	if ((v = getenv("SW_FAULT_SEGV_MS"))) {
		long ms = atol(v);
		struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
						      .tv_usec = (ms % 1000) * 1000 } };
		signal(SIGALRM, handle_alarm);
		if (setitimer(ITIMER_REAL, &it, NULL) != 0)
			fprintf(stderr, "fault-preload: setitimer: %s\n", strerror(errno));
	}
	if ((v = getenv("SW_FAULT_NO_OUTPUT")))
		fault.no_output = atoi(v);
	if ((v = getenv("SW_FAULT_CRASH_ALONE")))
		fault.crash_alone = atoi(v);
	if ((v = getenv("SW_FAULT_TEST_OVERLAY")) && !(fault.test_overlay_errno = parse_errno(v)))
		fprintf(stderr, "fault-preload: bad SW_FAULT_TEST_OVERLAY '%s'\n", v);
	/* Only this process: not the clients it starts. */
	unsetenv("LD_PRELOAD");
	unsetenv("SW_FAULT_COMMIT");
	unsetenv("SW_FAULT_SEGV_AT_COMMIT");
	unsetenv("SW_FAULT_SEGV_MS");
	unsetenv("SW_FAULT_NO_OUTPUT");
	unsetenv("SW_FAULT_CRASH_ALONE");
	unsetenv("SW_FAULT_TEST_OVERLAY");
}

/* 0, or the errno this commit is to fail with. */
static int
commit_fault(const char *what)
{
	unsigned n = ++fault.commits;
	if (fault.segv_at_commit && n == fault.segv_at_commit)
		crash(what);
	if (fault.commit_errno && n >= fault.commit_first &&
	    n - fault.commit_first < fault.commit_count) {
		fprintf(stderr, "fault-preload: %s number %u fails with %s\n", what, n,
			strerror(fault.commit_errno));
		return fault.commit_errno;
	}
	return 0;
}

drmModeAtomicReqPtr
drmModeAtomicAlloc(void)
{
	static drmModeAtomicReqPtr (*real)(void);
	if (!real)
		real = (drmModeAtomicReqPtr (*)(void))dlsym(RTLD_NEXT, "drmModeAtomicAlloc");
	fault.n_set = 0;
	return real();
}

int
drmModeAtomicAddProperty(drmModeAtomicReqPtr req, uint32_t object_id, uint32_t property_id,
			 uint64_t value)
{
	static int (*real)(drmModeAtomicReqPtr, uint32_t, uint32_t, uint64_t);
	if (!real)
		real = (int (*)(drmModeAtomicReqPtr, uint32_t, uint32_t, uint64_t))
			dlsym(RTLD_NEXT, "drmModeAtomicAddProperty");
	if (value && fault.n_set < sizeof(fault.set) / sizeof(fault.set[0])) {
		fault.set[fault.n_set].object = object_id;
		fault.set[fault.n_set].property = property_id;
		fault.n_set++;
	}
	return real(req, object_id, property_id, value);
}

/* Whether the request being committed gives an overlay plane a framebuffer. */
static bool
sets_overlay_fb(int fd)
{
	for (unsigned i = 0; i < fault.n_set; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, fault.set[i].property);
		bool fb = prop && strcmp(prop->name, "FB_ID") == 0;
		drmModeFreeProperty(prop);
		if (!fb)
			continue;
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(fd, fault.set[i].object, DRM_MODE_OBJECT_PLANE);
		bool overlay = false;
		for (uint32_t j = 0; props && j < props->count_props; j++) {
			drmModePropertyRes *p = drmModeGetProperty(fd, props->props[j]);
			if (p && strcmp(p->name, "type") == 0)
				overlay = props->prop_values[j] == DRM_PLANE_TYPE_OVERLAY;
			drmModeFreeProperty(p);
		}
		drmModeFreeObjectProperties(props);
		if (overlay)
			return true;
	}
	return false;
}

int
drmModeAtomicCommit(int fd, drmModeAtomicReqPtr req, uint32_t flags, void *user_data)
{
	static int (*real)(int, drmModeAtomicReqPtr, uint32_t, void *);
	if (fault.test_overlay_errno && (flags & DRM_MODE_ATOMIC_TEST_ONLY) &&
	    sets_overlay_fb(fd)) {
		fprintf(stderr, "fault-preload: TEST_ONLY with an overlay framebuffer number %u "
			"fails with %s\n", ++fault.test_overlay_failed,
			strerror(fault.test_overlay_errno));
		errno = fault.test_overlay_errno;
		return -fault.test_overlay_errno;
	}
	int err = commit_fault("atomic commit");
	if (err) {
		errno = err;
		return -err;
	}
	if (!real)
		real = (int (*)(int, drmModeAtomicReqPtr, uint32_t, void *))
			dlsym(RTLD_NEXT, "drmModeAtomicCommit");
	return real(fd, req, flags, user_data);
}

int
drmModePageFlip(int fd, uint32_t crtc_id, uint32_t fb_id, uint32_t flags, void *user_data)
{
	static int (*real)(int, uint32_t, uint32_t, uint32_t, void *);
	int err = commit_fault("page flip");
	if (err) {
		errno = err;
		return -err;
	}
	if (!real)
		real = (int (*)(int, uint32_t, uint32_t, uint32_t, void *))
			dlsym(RTLD_NEXT, "drmModePageFlip");
	return real(fd, crtc_id, fb_id, flags, user_data);
}

struct wl_global *
wl_global_create(struct wl_display *display, const struct wl_interface *interface,
		 int version, void *data, wl_global_bind_func_t bind)
{
	static struct wl_global *(*real)(struct wl_display *, const struct wl_interface *, int,
					 void *, wl_global_bind_func_t);
	if (fault.no_output && strcmp(interface->name, "wl_output") == 0) {
		fprintf(stderr, "fault-preload: creating the wl_output global fails\n");
		return NULL;
	}
	if (!real)
		real = (struct wl_global *(*)(struct wl_display *, const struct wl_interface *,
					      int, void *, wl_global_bind_func_t))
			dlsym(RTLD_NEXT, "wl_global_create");
	return real(display, interface, version, data, bind);
}
