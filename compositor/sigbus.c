/*
 * The SIGBUS guard. The handler gets no context argument, so the ranges
 * being accessed and the chained disposition are the one piece of global
 * state here; only the main thread changes them, and a fault in a guarded
 * range happens on that thread, inside a begin/end pair.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "sigbus.h"

static struct {
	unsigned installs;
	struct sigaction previous;
	struct sw_sigbus_range *active; /* list through ->next */
} guard;

/* Hand a fault that is not ours to whatever was there before us. */
static void
chain(int sig, siginfo_t *info, void *ucontext)
{
	const struct sigaction *prev = &guard.previous;
	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, info, ucontext);
		return;
	}
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	/*
	 * Default (or ignored, which the kernel does not honour for faults):
	 * restore the default and return; a fault re-executes and kills us
	 * with the usual core dump, a sent signal is raised again.
	 */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
	if (info->si_code <= 0)
		raise(SIGBUS);
}

static void
sigbus_handler(int sig, siginfo_t *info, void *ucontext)
{
	int saved_errno = errno;
	/* Only faults (si_code > 0) are ours; kill(2) and sigqueue(3) are not. */
	if (info->si_code > 0) {
		char *addr = info->si_addr;
		for (struct sw_sigbus_range *r = guard.active; r; r = r->next) {
			if (addr < (char *)r->addr || addr >= (char *)r->addr + r->len)
				continue;
			/* Replace the vanished pages with zeros; the access then completes. */
			if (mmap(r->addr, r->len, r->prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS,
				 -1, 0) == MAP_FAILED)
				break;
			r->faulted = true;
			errno = saved_errno;
			return;
		}
	}
	chain(sig, info, ucontext);
	errno = saved_errno;
}

bool
sw_sigbus_install(void)
{
	if (guard.installs > 0) {
		guard.installs++;
		return true;
	}
	struct sigaction sa = { 0 };
	sa.sa_sigaction = sigbus_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &guard.previous) < 0) {
		sw_err("cannot install the SIGBUS handler: %s", strerror(errno));
		return false;
	}
	guard.installs = 1;
	return true;
}

void
sw_sigbus_uninstall(void)
{
	if (guard.installs == 0 || --guard.installs > 0)
		return;
	if (sigaction(SIGBUS, &guard.previous, NULL) < 0)
		sw_warn("cannot restore the SIGBUS disposition: %s", strerror(errno));
}

void
sw_sigbus_range_init(struct sw_sigbus_range *range, void *addr, size_t len, int prot)
{
	*range = (struct sw_sigbus_range){ .addr = addr, .len = len, .prot = prot };
}

void
sw_sigbus_begin(struct sw_sigbus_range *range)
{
	if (range->active++ > 0)
		return;
	range->next = guard.active;
	/* The handler must see the range linked before the access it guards. */
	__atomic_store_n(&guard.active, range, __ATOMIC_RELEASE);
}

bool
sw_sigbus_end(struct sw_sigbus_range *range)
{
	if (--range->active == 0) {
		for (struct sw_sigbus_range **p = &guard.active; *p; p = &(*p)->next) {
			if (*p == range) {
				__atomic_store_n(p, range->next, __ATOMIC_RELEASE);
				break;
			}
		}
		range->next = NULL;
	}
	/* Set by the handler during the access: read it afresh. */
	return __atomic_load_n(&range->faulted, __ATOMIC_ACQUIRE);
}
