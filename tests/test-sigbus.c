/*
 * Unit test of the SIGBUS guard: a guarded access to pages that vanished
 * completes on zeros and is reported; unguarded faults and sent signals
 * reach the disposition that was there before; errno survives the handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sigbus.h"
#include "test-util.h"

#define PAGES 4

static long page;

/* What the disposition before ours saw. */
static volatile sig_atomic_t previous_calls;

static void
previous_handler(int sig, siginfo_t *info, void *ucontext)
{
	previous_calls++;
	/* A fault: make the page readable so the access completes. */
	if (info->si_code > 0) {
		uintptr_t p = (uintptr_t)info->si_addr & ~(uintptr_t)(page - 1);
		mmap((void *)p, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	}
	/* Handlers that clobber errno exist; ours must still give it back. */
	errno = EIO;
	(void)sig;
	(void)ucontext;
}

static void
install_previous(void)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = previous_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* A mapping of a memfd of PAGES pages filled with 0xab, then truncated to 0. */
static volatile unsigned char *
vanished_mapping(void)
{
	int fd = memfd_create("test-sigbus", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGES * page) < 0)
		return NULL;
	unsigned char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	memset(p, 0xab, PAGES * page);
	if (ftruncate(fd, 0) < 0)
		p = NULL;
	close(fd);
	return p;
}

static void
guarded_read_of_vanished_pages_reads_zeros_and_is_reported(struct sw_test *t)
{
	volatile unsigned char *p = vanished_mapping();
	SW_CHECK(t, p != NULL, "a truncated memfd mapping can be made (%s)", strerror(errno));
	if (!p)
		return;
	struct sw_sigbus_range range;
	sw_sigbus_range_init(&range, (void *)p, PAGES * page, PROT_READ | PROT_WRITE);
	previous_calls = 0;
	errno = ENOTTY;
	sw_sigbus_begin(&range);
	unsigned char first = p[0], last = p[PAGES * page - 1];
	bool faulted = sw_sigbus_end(&range);
	SW_CHECK(t, errno == ENOTTY, "errno is kept across the fault (got %d)", errno);
	SW_CHECK(t, faulted, "the access is reported as faulted");
	SW_CHECK(t, first == 0 && last == 0, "the pages read as zeros (got %#x, %#x)", first, last);
	SW_CHECK(t, previous_calls == 0, "the previous disposition did not see a guarded fault");
	/* The zero pages stay; the range stays faulted. */
	sw_sigbus_begin(&range);
	SW_CHECK(t, sw_sigbus_end(&range), "a later access still reports the fault");
	munmap((void *)p, PAGES * page);
}

static void
sound_range_is_not_reported(struct sw_test *t)
{
	unsigned char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SW_CHECK(t, p != MAP_FAILED, "an anonymous mapping can be made");
	if (p == MAP_FAILED)
		return;
	struct sw_sigbus_range range;
	sw_sigbus_range_init(&range, p, (size_t)page, PROT_READ | PROT_WRITE);
	p[0] = 7;
	sw_sigbus_begin(&range);
	volatile unsigned char v = p[0];
	SW_CHECK(t, !sw_sigbus_end(&range), "an access that did not fault is not reported");
	SW_CHECK(t, v == 7, "the data is what was written");
	munmap(p, (size_t)page);
}

static void
nested_accesses_stay_guarded_until_the_outer_end(struct sw_test *t)
{
	volatile unsigned char *p = vanished_mapping();
	SW_CHECK(t, p != NULL, "a truncated memfd mapping can be made");
	if (!p)
		return;
	struct sw_sigbus_range range;
	sw_sigbus_range_init(&range, (void *)p, PAGES * page, PROT_READ | PROT_WRITE);
	previous_calls = 0;
	sw_sigbus_begin(&range);
	sw_sigbus_begin(&range);
	sw_sigbus_end(&range);
	unsigned char v = p[page];
	SW_CHECK(t, sw_sigbus_end(&range), "the fault after the inner end is still caught");
	SW_CHECK(t, v == 0 && previous_calls == 0, "and handled by the guard (read %#x, %d "
		 "previous calls)", v, (int)previous_calls);
	munmap((void *)p, PAGES * page);
}

static void
unguarded_fault_goes_to_the_previous_disposition(struct sw_test *t)
{
	volatile unsigned char *p = vanished_mapping();
	SW_CHECK(t, p != NULL, "a truncated memfd mapping can be made");
	if (!p)
		return;
	/* Another range is being accessed meanwhile: it must not swallow this fault. */
	unsigned char other[64];
	struct sw_sigbus_range range;
	sw_sigbus_range_init(&range, other, sizeof(other), PROT_READ | PROT_WRITE);
	previous_calls = 0;
	errno = ENOTTY;
	sw_sigbus_begin(&range);
	volatile unsigned char v = p[0];
	bool faulted = sw_sigbus_end(&range);
	(void)v;
	SW_CHECK(t, errno == ENOTTY, "errno is kept although the previous handler set it (got %d)",
		 errno);
	SW_CHECK(t, previous_calls == 1, "the previous handler saw the fault once (saw %d)",
		 (int)previous_calls);
	SW_CHECK(t, !faulted, "the unrelated guarded range is not marked faulted");
	munmap((void *)p, PAGES * page);
}

static void
sent_signal_goes_to_the_previous_disposition(struct sw_test *t)
{
	previous_calls = 0;
	errno = ENOTTY;
	raise(SIGBUS);
	SW_CHECK(t, errno == ENOTTY, "errno is kept although the previous handler set it (got %d)",
		 errno);
	SW_CHECK(t, previous_calls == 1, "a sent SIGBUS reaches the previous handler (%d calls)",
		 (int)previous_calls);
}

static void
uninstall_restores_the_previous_disposition(struct sw_test *t)
{
	SW_CHECK(t, sw_sigbus_install(), "a second install is counted");
	sw_sigbus_uninstall();
	struct sigaction now;
	sigaction(SIGBUS, NULL, &now);
	SW_CHECK(t, now.sa_sigaction != previous_handler, "one uninstall of two keeps the guard");
	sw_sigbus_uninstall();
	sigaction(SIGBUS, NULL, &now);
	SW_CHECK(t, now.sa_sigaction == previous_handler, "the last uninstall restores the previous "
		 "handler");
}

int
main(void)
{
	struct sw_test t = { 0 };
	page = sysconf(_SC_PAGESIZE);
	install_previous();
	if (!sw_sigbus_install()) {
		fprintf(stderr, "cannot install the guard\n");
		return 1;
	}
	SW_RUN(&t, guarded_read_of_vanished_pages_reads_zeros_and_is_reported);
	SW_RUN(&t, sound_range_is_not_reported);
	SW_RUN(&t, nested_accesses_stay_guarded_until_the_outer_end);
	SW_RUN(&t, unguarded_fault_goes_to_the_previous_disposition);
	SW_RUN(&t, sent_signal_goes_to_the_previous_disposition);
	SW_RUN(&t, uninstall_restores_the_previous_disposition);
	return sw_test_finish(&t);
}
