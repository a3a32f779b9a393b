#ifndef SW_BUDGET_H
#define SW_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <wayland-server-core.h>

/*
 * Process-wide budgets of what clients make the compositor hold, shared
 * fairly. Each budget has a process total (derived from the system, or set
 * with --budget NAME=N) and a per-client limit (--limit NAME=N). A client
 * past its limit is refused. A client within its limit is never refused
 * because others used up the total: the client holding the most of it is
 * disconnected instead, naming the budget, the way an OOM killer picks.
 * One client may hold at most 7/8 of a total, so newcomers find room.
 */
enum sw_budget {
	SW_BUDGET_MAPPINGS,         /* mmaps of client files */
	SW_BUDGET_FDS,              /* client fds kept open */
	SW_BUDGET_MAPPED_BYTES,     /* bytes of those mappings */
	SW_BUDGET_PINNED_BYTES,     /* client pages pinned in memory (udmabuf) */
	SW_BUDGET_DMABUF_BUFFERS,   /* linux-dmabuf wl_buffers */
	SW_BUDGET_NV12_CACHE_BYTES, /* our XRGB copies of NV12 buffers */
	SW_BUDGET_SUBSURFACES,
	SW_BUDGET_FRAME_CALLBACKS,  /* wl_surface.frame callbacks not yet done */
	SW_BUDGET_CURSOR_SIZE,      /* a limit only: cursor width and height, in pixels */
	SW_BUDGET_COUNT,
};

/* What the command line sets; 0: derived or default. */
struct sw_budget_settings {
	uint64_t total[SW_BUDGET_COUNT];
	uint64_t limit[SW_BUDGET_COUNT];
};

/*
 * Parse "NAME=N" (N a number, optionally with K, M, G or T for powers of
 * 1024) into the totals or the limits. False with a message in `why`.
 */
bool sw_budget_parse_setting(struct sw_budget_settings *settings, const char *arg,
			     bool total, char *why, size_t len);
/* The names, defaults and derivations, for --help. */
void sw_budget_print_help(FILE *out);

struct sw_budgets;
struct sw_account;

/* Derive the totals (after the fd limit was raised); NULL on allocation failure. */
struct sw_budgets *sw_budgets_create(struct wl_display *display,
				     const struct sw_budget_settings *settings);
/* After wl_display_destroy: every client and its charges are gone by then. */
void sw_budgets_destroy(struct sw_budgets *budgets);
/* The per-client limit of `budget` (UINT64_MAX without budgets). */
uint64_t sw_budget_limit(const struct sw_budgets *budgets, enum sw_budget budget);
const char *sw_budget_name(enum sw_budget budget);

/*
 * The account of `client`, made on first use. It lives while the client
 * does and while it holds any charge: libwayland destroys a client's
 * resources after its destroy listeners, and those release theirs then.
 * NULL without budgets (then every charge is granted) or out of memory.
 */
struct sw_account *sw_account_get(struct sw_budgets *budgets, struct wl_client *client);

/*
 * Charge `amount` of `budget`. False when it would take the client past its
 * limit: `why` then names the limit and its value, for the caller's
 * protocol error. A NULL account is always granted.
 */
bool sw_account_charge(struct sw_account *account, enum sw_budget budget, uint64_t amount,
		       char *why, size_t len);
/* Give back what a charge took; the account may be freed by this. */
void sw_account_release(struct sw_account *account, enum sw_budget budget, uint64_t amount);
/*
 * Let `resource` hold a granted charge, released when it is destroyed.
 * False out of memory, with the charge already released.
 */
bool sw_account_hold_by_resource(struct sw_account *account, enum sw_budget budget,
				 uint64_t amount, struct wl_resource *resource);
/* The same, released when `signal` is emitted (a sw_buffer's destroy_signal). */
bool sw_account_hold_by_signal(struct sw_account *account, enum sw_budget budget,
			       uint64_t amount, struct wl_signal *signal);

/*
 * For hooks: charge `amount` to the client of `resource` (or `client`), held
 * until the resource is destroyed (or `until` is emitted). False when
 * refused, with a wl_display implementation error posted that names the
 * object and the limit, or out of memory (no_memory posted).
 */
bool sw_budget_charge_resource(struct sw_budgets *budgets, enum sw_budget budget,
			       uint64_t amount, struct wl_resource *resource);
bool sw_budget_charge_until(struct sw_budgets *budgets, struct wl_client *client,
			    enum sw_budget budget, uint64_t amount, struct wl_signal *until);

#endif
