#ifndef SW_SIGBUS_H
#define SW_SIGBUS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * CPU accesses to memory another process can take away (a shm pool its
 * client truncates, a dma-buf its exporter purges) fault with SIGBUS. While
 * an access to a registered range is in progress, such a fault replaces the
 * whole range with anonymous zero pages and the access completes; the
 * caller learns of it at sw_sigbus_end. Faults anywhere else go to the
 * disposition that was there before sw_sigbus_install.
 *
 * Accesses run on the compositor's main thread; a range is one mapping, its
 * address page-aligned (as mmap returns it).
 */
struct sw_sigbus_range {
	void *addr;
	size_t len;
	int prot;                     /* of the mapping, kept by the zero pages */
	/* Private to sigbus.c. */
	bool faulted;                 /* the range is zero pages now, for good */
	unsigned active;              /* nesting of begin/end */
	struct sw_sigbus_range *next; /* ranges being accessed */
};

/* Install the handler; counted, one sw_sigbus_uninstall each. False (logged) on failure. */
bool sw_sigbus_install(void);
void sw_sigbus_uninstall(void);

/* A range of `len` bytes at `addr` mapped with `prot`, not yet faulted. */
void sw_sigbus_range_init(struct sw_sigbus_range *range, void *addr, size_t len, int prot);

/* Guard `range` until the matching sw_sigbus_end; pairs nest. */
void sw_sigbus_begin(struct sw_sigbus_range *range);
/*
 * End one guarded access. True if the range has faulted (during this
 * access or an earlier one): its contents are zeros, not what the other
 * process put there.
 */
bool sw_sigbus_end(struct sw_sigbus_range *range);

#endif
