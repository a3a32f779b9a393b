/*
 * Budgets and per-client accounts. Charges are counted as they happen, so
 * neither a charge nor a release looks at other clients; only a budget that
 * runs short walks the accounts, once, to find the biggest holder.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "budget.h"
#include "log.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)

/* What each budget is called and what a client may hold of it by default. */
static const struct {
	const char *name;
	uint64_t limit;
	const char *total; /* how the process total is found, for --help */
} table[SW_BUDGET_COUNT] = {
	[SW_BUDGET_MAPPINGS] = { "mappings", 4096,
		"vm.max_map_count less a quarter (at least 8192) for the compositor" },
	[SW_BUDGET_FDS] = { "fds", 1024,
		"the raised RLIMIT_NOFILE less a quarter (at least 256) for the compositor" },
	[SW_BUDGET_MAPPED_BYTES] = { "mapped-bytes", 4 * GiB,
		"half of RLIMIT_AS, or 32 TiB of address space without one" },
	[SW_BUDGET_PINNED_BYTES] = { "pinned-bytes", 1 * GiB, "a quarter of physical memory" },
	[SW_BUDGET_DMABUF_BUFFERS] = { "dmabuf-buffers", 256, "a quarter of the fds total" },
	[SW_BUDGET_NV12_CACHE_BYTES] = { "nv12-cache-bytes", 512 * MiB,
		"an eighth of physical memory" },
	[SW_BUDGET_SUBSURFACES] = { "subsurfaces", 4096, "262144" },
	[SW_BUDGET_FRAME_CALLBACKS] = { "frame-callbacks", 4096, "262144" },
	[SW_BUDGET_CURSOR_SIZE] = { "cursor-size", 256,
		"none: a limit on each cursor buffer's width and height" },
};

struct sw_budgets {
	struct wl_display *display;
	uint64_t total[SW_BUDGET_COUNT];
	uint64_t limit[SW_BUDGET_COUNT]; /* effective: at most 7/8 of the total */
	uint64_t used[SW_BUDGET_COUNT];
	struct wl_list accounts;         /* sw_account.link */
	struct wl_event_source *reaper;  /* disconnects condemned clients when idle */
	struct wl_listener display_destroy;
};

struct sw_account {
	struct sw_budgets *budgets;
	struct wl_client *client;        /* NULL once it is gone */
	struct wl_listener client_destroy; /* found again by wl_client_get_destroy_listener */
	struct wl_list link;
	uint64_t used[SW_BUDGET_COUNT];
	bool condemned;                  /* told it is disconnected; the reaper will */
};

/* A charge an object holds until it goes away. */
struct hold {
	struct wl_listener gone;
	struct sw_account *account;
	enum sw_budget budget;
	uint64_t amount;
};

const char *
sw_budget_name(enum sw_budget budget)
{
	return table[budget].name;
}

static int
budget_by_name(const char *name, size_t len)
{
	for (int i = 0; i < SW_BUDGET_COUNT; i++) {
		if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

bool
sw_budget_parse_setting(struct sw_budget_settings *settings, const char *arg, bool total,
			char *why, size_t len)
{
	const char *eq = strchr(arg, '=');
	int b = eq ? budget_by_name(arg, (size_t)(eq - arg)) : -1;
	if (b < 0) {
		snprintf(why, len, "'%s' is not NAME=N with a NAME from --help", arg);
		return false;
	}
	if (total && b == SW_BUDGET_CURSOR_SIZE) {
		snprintf(why, len, "cursor-size has no process total, only a --limit");
		return false;
	}
	const char *num = eq + 1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(num, &end, 10);
	uint64_t unit = 1;
	if (end != num && *end && !end[1]) {
		const char *units = "KMGT";
		const char *u = strchr(units, *end);
		if (u) {
			unit = UINT64_C(1) << (10 * (u - units + 1));
			end++;
		}
	}
	if (end == num || *end || errno || *num == '-' || v == 0 || v > UINT64_MAX / unit) {
		snprintf(why, len, "bad amount '%s' for %s: a positive number, optionally with K, M, "
			 "G or T", num, table[b].name);
		return false;
	}
	(total ? settings->total : settings->limit)[b] = (uint64_t)v * unit;
	return true;
}

void
sw_budget_print_help(FILE *out)
{
	fprintf(out, "Budgets (--budget NAME=N sets the process total, --limit NAME=N one "
		     "client's share;\nN may end in K, M, G or T):\n");
	for (int i = 0; i < SW_BUDGET_COUNT; i++)
		fprintf(out, "  %-18s per client %" PRIu64 "; total: %s\n", table[i].name,
			table[i].limit, table[i].total);
}

static uint64_t
read_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	unsigned long long v = 0;
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? v : 65530; /* the kernel's default */
}

/* `all` less what the compositor keeps for itself: a quarter, at least `own`. */
static uint64_t
less_own_share(uint64_t all, uint64_t own)
{
	if (own < all / 4)
		own = all / 4;
	return all > own ? all - own : all / 2;
}

static void
derive_totals(uint64_t total[SW_BUDGET_COUNT])
{
	struct rlimit rl;
	uint64_t nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 4 * GiB;

	total[SW_BUDGET_MAPPINGS] = less_own_share(read_max_map_count(), 8192);
	total[SW_BUDGET_FDS] = less_own_share(nofile, 256);
	total[SW_BUDGET_MAPPED_BYTES] = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
						? rl.rlim_cur / 2 : 32 * TiB;
	total[SW_BUDGET_PINNED_BYTES] = phys / 4;
	total[SW_BUDGET_DMABUF_BUFFERS] = total[SW_BUDGET_FDS] / 4;
	total[SW_BUDGET_NV12_CACHE_BYTES] = phys / 8;
	total[SW_BUDGET_SUBSURFACES] = 262144;
	total[SW_BUDGET_FRAME_CALLBACKS] = 262144;
	total[SW_BUDGET_CURSOR_SIZE] = UINT64_MAX;
}

static void
budgets_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_budgets *b = wl_container_of(listener, b, display_destroy);
	wl_list_remove(&b->display_destroy.link);
	wl_list_init(&b->display_destroy.link);
	if (b->reaper)
		wl_event_source_remove(b->reaper);
	b->reaper = NULL;
	b->display = NULL;
}

struct sw_budgets *
sw_budgets_create(struct wl_display *display, const struct sw_budget_settings *settings)
{
	struct sw_budgets *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->display = display;
	wl_list_init(&b->accounts);
	derive_totals(b->total);
	for (int i = 0; i < SW_BUDGET_COUNT; i++) {
		if (settings && settings->total[i])
			b->total[i] = settings->total[i];
		uint64_t limit = settings && settings->limit[i] ? settings->limit[i] : table[i].limit;
		uint64_t share = b->total[i] == UINT64_MAX ? UINT64_MAX
							   : b->total[i] - b->total[i] / 8;
		b->limit[i] = limit < share ? limit : share;
		sw_debug("budget %s: total %" PRIu64 ", per client %" PRIu64, table[i].name,
			 b->total[i], b->limit[i]);
	}
	b->display_destroy.notify = budgets_display_destroyed;
	wl_display_add_destroy_listener(display, &b->display_destroy);
	return b;
}

void
sw_budgets_destroy(struct sw_budgets *b)
{
	if (!b)
		return;
	struct sw_account *a, *tmp;
	wl_list_for_each_safe(a, tmp, &b->accounts, link) {
		/* Only a leak elsewhere leaves one; do not let it point at freed budgets. */
		sw_warn("budgets: account with charges left at exit");
		wl_list_remove(&a->link);
		wl_list_init(&a->link);
		a->budgets = NULL;
	}
	wl_list_remove(&b->display_destroy.link);
	if (b->reaper)
		wl_event_source_remove(b->reaper);
	free(b);
}

uint64_t
sw_budget_limit(const struct sw_budgets *b, enum sw_budget budget)
{
	return b ? b->limit[budget] : UINT64_MAX;
}

static void
account_free_if_unused(struct sw_account *a)
{
	if (a->client)
		return;
	for (int i = 0; i < SW_BUDGET_COUNT; i++) {
		if (a->used[i])
			return;
	}
	wl_list_remove(&a->link);
	free(a);
}

static void
account_client_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_account *a = wl_container_of(listener, a, client_destroy);
	wl_list_remove(&a->client_destroy.link);
	a->client = NULL;
	/* Its resources go next and release what they hold. */
	account_free_if_unused(a);
}

struct sw_account *
sw_account_get(struct sw_budgets *b, struct wl_client *client)
{
	if (!b)
		return NULL;
	struct wl_listener *l = wl_client_get_destroy_listener(client, account_client_destroyed);
	if (l) {
		struct sw_account *a = wl_container_of(l, a, client_destroy);
		return a;
	}
	struct sw_account *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->budgets = b;
	a->client = client;
	a->client_destroy.notify = account_client_destroyed;
	wl_client_add_destroy_listener(client, &a->client_destroy);
	wl_list_insert(&b->accounts, &a->link);
	return a;
}

static void
reap(void *data)
{
	struct sw_budgets *b = data;
	b->reaper = NULL;
	struct sw_account *a, *tmp;
	wl_list_for_each_safe(a, tmp, &b->accounts, link) {
		if (a->condemned && a->client)
			wl_client_destroy(a->client);
	}
}

/* Tell the client holding the most of `budget` it is disconnected; the reaper does it. */
static void
condemn(struct sw_budgets *b, struct sw_account *victim, enum sw_budget budget)
{
	pid_t pid = 0;
	wl_client_get_credentials(victim->client, &pid, NULL, NULL);
	sw_warn("budget %s (%" PRIu64 ") is used up; disconnecting client %d, which holds the "
		"most of it (%" PRIu64 ")", table[budget].name, b->total[budget], (int)pid,
		victim->used[budget]);
	wl_client_post_implementation_error(victim->client,
		"budget %s of %" PRIu64 " used up; this client holds the most of it (%" PRIu64
		"): disconnected", table[budget].name,
		b->total[budget], victim->used[budget]);
	victim->condemned = true;
	if (!b->reaper && b->display) {
		b->reaper = wl_event_loop_add_idle(wl_display_get_event_loop(b->display), reap, b);
		if (!b->reaper)
			wl_client_destroy(victim->client);
	}
}

bool
sw_account_charge(struct sw_account *a, enum sw_budget budget, uint64_t amount, char *why,
		  size_t len)
{
	if (!a || !a->budgets)
		return true;
	struct sw_budgets *b = a->budgets;
	if (a->used[budget] + amount > b->limit[budget] || a->used[budget] + amount < amount) {
		/* libwayland cuts error messages at 128 bytes: keep it short. */
		snprintf(why, len, "client limit %s of %" PRIu64 " reached (holds %" PRIu64
			 ", asks %" PRIu64 ")", table[budget].name,
			 b->limit[budget], a->used[budget], amount);
		return false;
	}
	/* Short of the total: make room at the biggest holder's expense, not the asker's. */
	while (b->used[budget] + amount > b->total[budget]) {
		uint64_t live = 0;
		struct sw_account *biggest = NULL, *other;
		wl_list_for_each(other, &b->accounts, link) {
			if (other->condemned)
				continue;
			live += other->used[budget];
			if (!biggest || other->used[budget] > biggest->used[budget])
				biggest = other;
		}
		/* What condemned clients hold is as good as given back. */
		if (live + amount <= b->total[budget])
			break;
		if (biggest == a || !biggest || !biggest->client || biggest->used[budget] == 0) {
			snprintf(why, len, "budget %s of %" PRIu64 " used up, and this client holds "
				 "the most of it (%" PRIu64 ")",
				 table[budget].name, b->total[budget], a->used[budget]);
			return false;
		}
		condemn(b, biggest, budget);
	}
	a->used[budget] += amount;
	b->used[budget] += amount;
	return true;
}

void
sw_account_release(struct sw_account *a, enum sw_budget budget, uint64_t amount)
{
	if (!a)
		return;
	a->used[budget] -= amount;
	if (a->budgets)
		a->budgets->used[budget] -= amount;
	account_free_if_unused(a);
}

static void
hold_gone(struct wl_listener *listener, void *data)
{
	struct hold *h = wl_container_of(listener, h, gone);
	wl_list_remove(&h->gone.link);
	sw_account_release(h->account, h->budget, h->amount);
	free(h);
}

static struct hold *
hold_create(struct sw_account *a, enum sw_budget budget, uint64_t amount)
{
	struct hold *h = calloc(1, sizeof(*h));
	if (!h) {
		sw_account_release(a, budget, amount);
		return NULL;
	}
	h->account = a;
	h->budget = budget;
	h->amount = amount;
	h->gone.notify = hold_gone;
	return h;
}

bool
sw_account_hold_by_resource(struct sw_account *a, enum sw_budget budget, uint64_t amount,
			    struct wl_resource *resource)
{
	if (!a)
		return true;
	struct hold *h = hold_create(a, budget, amount);
	if (!h)
		return false;
	wl_resource_add_destroy_listener(resource, &h->gone);
	return true;
}

bool
sw_account_hold_by_signal(struct sw_account *a, enum sw_budget budget, uint64_t amount,
			  struct wl_signal *signal)
{
	if (!a)
		return true;
	struct hold *h = hold_create(a, budget, amount);
	if (!h)
		return false;
	wl_signal_add(signal, &h->gone);
	return true;
}

/* Charge for a hook; the account, or NULL after posting the error. */
static struct sw_account *
hook_charge(struct sw_budgets *b, struct wl_client *client, const char *what,
	    enum sw_budget budget, uint64_t amount)
{
	struct sw_account *a = sw_account_get(b, client);
	if (!a) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	char why[192];
	if (!sw_account_charge(a, budget, amount, why, sizeof(why))) {
		wl_client_post_implementation_error(client, "%s: %s", what, why);
		return NULL;
	}
	return a;
}

bool
sw_budget_charge_resource(struct sw_budgets *b, enum sw_budget budget, uint64_t amount,
			  struct wl_resource *resource)
{
	if (!b)
		return true;
	struct wl_client *client = wl_resource_get_client(resource);
	struct sw_account *a = hook_charge(b, client, wl_resource_get_class(resource), budget,
					   amount);
	if (!a)
		return false;
	if (!sw_account_hold_by_resource(a, budget, amount, resource)) {
		wl_client_post_no_memory(client);
		return false;
	}
	return true;
}

bool
sw_budget_charge_until(struct sw_budgets *b, struct wl_client *client, enum sw_budget budget,
		       uint64_t amount, struct wl_signal *until)
{
	if (!b)
		return true;
	struct sw_account *a = hook_charge(b, client, table[budget].name, budget, amount);
	if (!a)
		return false;
	if (!sw_account_hold_by_signal(a, budget, amount, until)) {
		wl_client_post_no_memory(client);
		return false;
	}
	return true;
}
