#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "backend.h"
#include "log.h"
#include "parse.h"
#include "server.h"
#include "trust.h"
#include "xdg_activation.h"

static const char usage[] =
	"usage: sealway [options] [-- CLIENT [ARGS...]]\n"
	"  --backend=auto|headless|drm   output backend (default auto: drm if a DRM device\n"
	"                                can be opened through a session, else headless)\n"
	"  --socket=NAME                 listen on $XDG_RUNTIME_DIR/NAME (default: a free wayland-N)\n"
	"  --size=WxH                    headless output size (default 1024x768)\n"
	"  --refresh=HZ                  headless refresh rate (default 60)\n"
	"  --output=WxH[@HZ]             headless: one output of that size (at --refresh\n"
	"                                without @HZ); repeat for more, laid out left to\n"
	"                                right (default: one output of --size)\n"
	"  --mode=WxH[@HZ]               drm: mode to set (default: the preferred one)\n"
	"  --kms=auto|atomic|legacy      drm: modesetting API (default auto: atomic if offered)\n"
	"  --drm-device=PATH             drm: the card to use (default: the first one with\n"
	"                                KMS); each connected connector\n"
	"                                with a free CRTC becomes an output\n"
	"  --scanout=auto|off            show a client buffer that is the whole frame as it\n"
	"                                is, without compositing it (default auto)\n"
	"  --shm-seals=prefer|require    require F_SEAL_SHRINK on wl_shm pools (default prefer)\n"
	"  --log=error|warn|info|debug   log level on stderr (default info)\n"
	"  --limit=NAME=N                one client's share of budget NAME (repeatable)\n"
	"  --budget=NAME=N               the process total of budget NAME (repeatable)\n"
	"  --trust-virtual-input=spawned|all|none\n"
	"                                who may inject keys and pointer motion (virtual keyboard\n"
	"                                and pointer): the -- CLIENT's own connection (default),\n"
	"                                every client, or nobody\n"
	"  --activation-token-ms=MS      how long an xdg_activation_v1 token stays usable\n"
	"                                (default 30000)\n"
	"  -h, --help                    show this help\n"
	"With -- CLIENT, the client is started connected (WAYLAND_SOCKET), with\n"
	"WAYLAND_DISPLAY set for the clients it starts, and sealway exits with its exit\n"
	"status when it ends.\n";

struct run_state {
	struct sw_server *server;
	pid_t child;
	/* The fd limit sealway was started with, which its client gets back. */
	struct rlimit nofile;
	bool have_nofile;
};

/* How long a client may take to go after SIGTERM before it is killed. */
#define CLIENT_TERM_GRACE_MS 2000

static int fail_option(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail_option(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "sealway: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see sealway --help)\n");
	return -1;
}

static bool
parse_refresh(const char *s, int32_t *mhz)
{
	char *end;
	double hz = strtod(s, &end);
	if (end == s || *end != '\0' || !(hz >= 1.0 && hz <= 1000.0))
		return false;
	*mhz = (int32_t)(hz * 1000.0 + 0.5);
	return true;
}

/* --output=WxH[@HZ]; `has_rate` says whether @HZ was given. */
static bool
parse_output(const char *s, struct sw_output_shape *shape, bool *has_rate)
{
	uint32_t w, h;
	const char *rest;
	if (!sw_parse_size_prefix(s, &w, &h, &rest))
		return false;
	*has_rate = *rest == '@';
	if (*rest == '@' ? !parse_refresh(rest + 1, &shape->refresh_mhz) : *rest != '\0')
		return false;
	shape->width = (int32_t)w;
	shape->height = (int32_t)h;
	return true;
}

static int
parse_options(int argc, char **argv, struct sw_options *opts)
{
	enum { OPT_BACKEND = 1, OPT_SOCKET, OPT_SIZE, OPT_REFRESH, OPT_OUTPUT, OPT_MODE, OPT_KMS,
	       OPT_DRM_DEVICE, OPT_SEALS, OPT_LOG, OPT_LIMIT, OPT_BUDGET, OPT_SCANOUT,
	       OPT_TRUST_INPUT, OPT_TOKEN_MS };
	static const struct option long_opts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "refresh", required_argument, NULL, OPT_REFRESH },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "kms", required_argument, NULL, OPT_KMS },
		{ "scanout", required_argument, NULL, OPT_SCANOUT },
		{ "drm-device", required_argument, NULL, OPT_DRM_DEVICE },
		{ "shm-seals", required_argument, NULL, OPT_SEALS },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "trust-virtual-input", required_argument, NULL, OPT_TRUST_INPUT },
		{ "activation-token-ms", required_argument, NULL, OPT_TOKEN_MS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*opts = (struct sw_options){
		.backend = "auto",
		.width = 1024,
		.height = 768,
		.refresh_mhz = 60000,
		.kms = "auto",
		.scanout = true,
	};
	opterr = 0;
	/* An --output without @HZ takes --refresh, wherever that is on the line. */
	bool output_rate[SW_MAX_OUTPUTS] = { false };
	bool size_given = false;
	int c;
	while ((c = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_BACKEND:
			if (strcmp(optarg, "auto") && strcmp(optarg, "headless") && strcmp(optarg, "drm"))
				return fail_option("unknown backend '%s': use auto, headless or drm", optarg);
			opts->backend = optarg;
			break;
		case OPT_SOCKET:
			if (!*optarg || strchr(optarg, '/'))
				return fail_option("bad socket name '%s': a plain file name is needed", optarg);
			opts->socket = optarg;
			break;
		case OPT_SIZE: {
			uint32_t w, h;
			if (!sw_parse_size(optarg, &w, &h))
				return fail_option("bad size '%s': expected WxH, e.g. 1024x768", optarg);
			opts->width = (int32_t)w;
			opts->height = (int32_t)h;
			size_given = true;
			break;
		}
		case OPT_REFRESH:
			if (!parse_refresh(optarg, &opts->refresh_mhz))
				return fail_option("bad refresh rate '%s': expected 1..1000 Hz", optarg);
			break;
		case OPT_OUTPUT: {
			if (opts->n_outputs == SW_MAX_OUTPUTS)
				return fail_option("too many --output options: at most %d outputs",
						   SW_MAX_OUTPUTS);
			if (!parse_output(optarg, &opts->outputs[opts->n_outputs],
					  &output_rate[opts->n_outputs]))
				return fail_option("bad output '%s': expected WxH or WxH@HZ, "
						   "e.g. 1024x768@60", optarg);
			opts->n_outputs++;
			break;
		}
		case OPT_MODE:
			opts->drm_mode = optarg;
			break;
		case OPT_DRM_DEVICE:
			if (optarg[0] != '/')
				return fail_option("bad DRM device '%s': an absolute path is needed, "
						   "e.g. /dev/dri/card1", optarg);
			opts->drm_device = optarg;
			break;
		case OPT_KMS:
			if (strcmp(optarg, "auto") && strcmp(optarg, "atomic") && strcmp(optarg, "legacy"))
				return fail_option("unknown KMS API '%s': use auto, atomic or legacy", optarg);
			opts->kms = optarg;
			break;
		case OPT_SCANOUT:
			if (strcmp(optarg, "auto") == 0)
				opts->scanout = true;
			else if (strcmp(optarg, "off") == 0)
				opts->scanout = false;
			else
				return fail_option("unknown scanout policy '%s': use auto or off",
						   optarg);
			break;
		case OPT_SEALS:
			if (strcmp(optarg, "prefer") == 0)
				opts->shm_require_seals = false;
			else if (strcmp(optarg, "require") == 0)
				opts->shm_require_seals = true;
			else
				return fail_option("unknown seal policy '%s': use prefer or require", optarg);
			break;
		case OPT_LOG: {
			enum sw_log_level level;
			if (!sw_log_parse_level(optarg, &level))
				return fail_option("unknown log level '%s': use error, warn, info or debug", optarg);
			sw_log_set_level(level);
			break;
		}
		case OPT_LIMIT:
		case OPT_BUDGET: {
			char why[128];
			if (!sw_budget_parse_setting(&opts->budget, optarg, c == OPT_BUDGET, why,
						     sizeof(why)))
				return fail_option("%s", why);
			break;
		}
		case OPT_TRUST_INPUT:
			if (!sw_trust_parse_policy(optarg, &opts->trust_virtual_input))
				return fail_option("unknown trust policy '%s': use spawned, all or none",
						   optarg);
			break;
		case OPT_TOKEN_MS: {
			char *end;
			errno = 0;
			long ms = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || ms < 1 || ms > 3600000)
				return fail_option("bad activation token lifetime '%s': expected "
						   "1..3600000 ms", optarg);
			opts->activation_token_ms = (int32_t)ms;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			sw_budget_print_help(stdout);
			exit(0);
		default:
			return fail_option("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (size_given && opts->n_outputs)
		return fail_option("--size and --output both give the headless output size: "
				   "give every output with --output");
	for (int i = 0; i < opts->n_outputs; i++) {
		if (!output_rate[i])
			opts->outputs[i].refresh_mhz = opts->refresh_mhz;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			return fail_option("unexpected argument '%s': put the client after --", argv[optind]);
		opts->client_argv = &argv[optind];
	}
	return 0;
}

static int
handle_signal(int sig, void *data)
{
	struct run_state *run = data;
	sw_info("received signal %d, shutting down", sig);
	sw_server_terminate(run->server, 0);
	return 0;
}

static int
handle_sigchld(int sig, void *data)
{
	struct run_state *run = data;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != run->child)
			continue;
		run->child = 0;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		sw_info("client exited with status %d", code);
		sw_server_terminate(run->server, code);
	}
	return 0;
}

/*
 * Starts the client with a connection of its own: one end of a socketpair
 * is a wl_client here, the other is WAYLAND_SOCKET in the child (trust.h:
 * that connection, not a pid, is what "spawned" trusts). WAYLAND_DISPLAY is
 * set too, for the clients it starts in turn.
 */
static pid_t
spawn_client(struct run_state *run, char **argv, const char *socket_name,
	     const char *activation_token)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		sw_err("socketpair for the client: %s", strerror(errno));
		return -1;
	}
	struct wl_client *client = wl_client_create(run->server->display, sv[0]);
	if (!client) {
		sw_err("cannot make the client's connection: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		sw_err("fork: %s", strerror(errno));
		wl_client_destroy(client);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Its own process group, so that whatever it starts goes with it at exit. */
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* An ignored signal stays ignored across exec: undo ours. */
		signal(SIGPIPE, SIG_DFL);
		if (run->have_nofile && setrlimit(RLIMIT_NOFILE, &run->nofile) < 0)
			fprintf(stderr, "sealway: cannot restore the fd limit of %s: %s\n",
				argv[0], strerror(errno));
		/* Its end of the connection survives exec; ours (sv[0], CLOEXEC) does not. */
		char fd_text[16];
		if (fcntl(sv[1], F_SETFD, 0) < 0) {
			fprintf(stderr, "sealway: cannot pass the connection to %s: %s\n",
				argv[0], strerror(errno));
			_exit(127);
		}
		snprintf(fd_text, sizeof(fd_text), "%d", sv[1]);
		setenv("WAYLAND_SOCKET", fd_text, 1);
		setenv("WAYLAND_DISPLAY", socket_name, 1);
		/* Its first window may take the focus (xdg_activation_v1). */
		if (activation_token)
			setenv("XDG_ACTIVATION_TOKEN", activation_token, 1);
		else
			unsetenv("XDG_ACTIVATION_TOKEN");
		execvp(argv[0], argv);
		fprintf(stderr, "sealway: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	sw_trust_set_spawned_client(run->server, client);
	sw_info("client %s (pid %d) connected as wl_client %p", argv[0], (int)pid,
		(void *)client);
	/* Also here: the group must exist before we may signal it, whoever runs first. */
	if (setpgid(pid, pid) < 0 && errno != EACCES)
		sw_debug("setpgid(%d): %s", (int)pid, strerror(errno));
	return pid;
}

/*
 * We are going away, and so does the client we started, with everything in
 * its process group: SIGTERM, then SIGKILL if it is still there after a grace
 * period, so that a client ignoring SIGTERM cannot hold up the exit.
 */
static void
stop_client(struct run_state *run)
{
	pid_t pid = run->child;
	if (pid <= 0)
		return;
	if (kill(-pid, SIGTERM) < 0 && kill(pid, SIGTERM) < 0)
		sw_warn("cannot send SIGTERM to client %d: %s", (int)pid, strerror(errno));
	for (int waited = 0; waited < CLIENT_TERM_GRACE_MS; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD)) {
			run->child = 0;
			/* What it left behind in its group still goes. */
			kill(-pid, SIGKILL);
			return;
		}
		usleep(10000);
	}
	sw_warn("client %d still running %d ms after SIGTERM: killing it", (int)pid,
		CLIENT_TERM_GRACE_MS);
	if (kill(-pid, SIGKILL) < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	run->child = 0;
}

static void
raise_fd_limit(struct run_state *run)
{
	/* Every shm pool keeps its fd; take all the descriptors the hard limit allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		sw_warn("cannot read the fd limit: %s", strerror(errno));
		return;
	}
	run->nofile = rl;
	run->have_nofile = true;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			sw_warn("cannot raise the fd limit: %s", strerror(errno));
	}
}

static struct sw_backend *
create_backend(struct sw_server *server)
{
	const char *choice = server->opts.backend;
	if (strcmp(choice, "headless") == 0)
		return sw_headless_backend_create(server);

	char why[512] = "the DRM backend is not built (needs libseat, libinput, xkbcommon, libudev)";
	struct sw_backend *backend = NULL;
#ifdef SW_HAVE_DRM
	backend = sw_drm_backend_create(server, why, sizeof(why));
#endif
	if (backend) {
		sw_info("backend: drm");
		if (server->opts.n_outputs)
			sw_warn("--output shapes headless outputs: ignored, the DRM backend has one "
				"output per connected connector");
		return backend;
	}
	if (strcmp(choice, "drm") == 0) {
		sw_err("cannot use the drm backend: %s", why);
		return NULL;
	}
	sw_info("backend: headless, because %s", why);
	return sw_headless_backend_create(server);
}

int
main(int argc, char **argv)
{
	struct sw_server server = { 0 };
	struct sw_options opts;
	struct run_state run = { .server = &server };
	struct wl_event_source *sig_int = NULL, *sig_term = NULL, *sig_chld = NULL;
	int ret = 1;

	sw_log_set_tag("sealway");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_options(argc, argv, &opts) < 0)
		return 2;
	if (!getenv("XDG_RUNTIME_DIR")) {
		fprintf(stderr, "sealway: XDG_RUNTIME_DIR is not set; it must name a private "
				"directory for the Wayland socket (e.g. /run/user/$(id -u))\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(&run);

	if (!sw_server_init(&server, &opts, create_backend))
		return 1;

	if (server.opts.socket) {
		if (wl_display_add_socket(server.display, server.opts.socket) < 0) {
			fprintf(stderr, "sealway: cannot listen on %s/%s: %s\n",
				getenv("XDG_RUNTIME_DIR"), server.opts.socket,
				errno ? strerror(errno) : "in use or invalid");
			goto out_server;
		}
		server.socket_name = server.opts.socket;
	} else {
		server.socket_name = wl_display_add_socket_auto(server.display);
		if (!server.socket_name) {
			fprintf(stderr, "sealway: cannot find a free wayland-N socket in %s\n",
				getenv("XDG_RUNTIME_DIR"));
			goto out_server;
		}
	}

	sig_int = wl_event_loop_add_signal(server.loop, SIGINT, handle_signal, &run);
	sig_term = wl_event_loop_add_signal(server.loop, SIGTERM, handle_signal, &run);
	sig_chld = wl_event_loop_add_signal(server.loop, SIGCHLD, handle_sigchld, &run);
	if (!sig_int || !sig_term || !sig_chld) {
		sw_err("cannot watch signals");
		goto out_server;
	}

	printf("sealway: listening on %s\n", server.socket_name);
	if (server.opts.client_argv) {
		run.child = spawn_client(&run, server.opts.client_argv, server.socket_name,
					 sw_xdg_activation_spawn_token(&server));
		if (run.child < 0)
			goto out_server;
	}

	sw_server_run(&server);
	ret = server.exit_code;

	stop_client(&run);
out_server:
	if (sig_int)
		wl_event_source_remove(sig_int);
	if (sig_term)
		wl_event_source_remove(sig_term);
	if (sig_chld)
		wl_event_source_remove(sig_chld);
	sw_server_finish(&server);
	return ret;
}
