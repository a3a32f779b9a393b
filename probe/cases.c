/*
 * Every case sealway-probe runs: which scenario, what the protocol text (or
 * the kernel) requires of the compositor, and how the outcome is judged.
 * Error codes are the protocols' own enums.
 */
#include <stddef.h>

#include "cases.h"
#include "scenarios.h"

/* wl_shm.error */
#define SHM_INVALID_FORMAT 0
#define SHM_INVALID_STRIDE 1
#define SHM_INVALID_FD 2
/* zwp_linux_buffer_params_v1.error */
#define P_ALREADY_USED 0
#define P_PLANE_IDX 1
#define P_PLANE_SET 2
#define P_INCOMPLETE 3
#define P_INVALID_FORMAT 4
#define P_INVALID_DIMENSIONS 5
#define P_OUT_OF_BOUNDS 6
#define P_INVALID_WL_BUFFER 7

#define POOL "wl_shm_pool"
#define SHM "wl_shm"
#define PARAMS "zwp_linux_buffer_params_v1"
#define DMABUF "zwp_linux_dmabuf_v1"
/* Feedback and the add-time modifier check came with version 4. */
#define DMABUF_V4 DMABUF ":4"
#define SCREENCOPY "zwlr_screencopy_manager_v1"

#define SHM_CASE(id, scen, req, judge, ifaces, code)                                       \
	{ id, shm_probe_main, scen, req, judge, ifaces, code, NULL, NULL, NULL }
#define FD_REFUSED(id, scen, what)                                                          \
	SHM_CASE(id, scen, "wl_shm.create_pool with " what ": mmapping it fails, "          \
		 "wl_shm.error.invalid_fd", JUDGE_ERROR, SHM, SHM_INVALID_FD)
#define BAD_BUFFER(id, scen, what)                                                          \
	SHM_CASE(id, scen, "wl_shm_pool.create_buffer with " what ": wl_shm.error."         \
		 "invalid_stride (\"invalid size or stride during pool or buffer creation\")", \
		 JUDGE_ERROR, POOL "|" SHM, SHM_INVALID_STRIDE)
#define PARAMS_CASE(id, scen, req, code)                                                    \
	{ id, dmabuf_probe_main, scen, req, JUDGE_ERROR, PARAMS, code, DMABUF, NULL, NULL }
#define FUZZ_CASE(id, scen)                                                                 \
	{ id, fuzz_probe_main, scen, "100000 random requests from a fixed seed over pools, "    \
	  "buffers, surfaces, subsurfaces, xdg and screencopy objects, reconnecting after each " \
	  "protocol error: every request answered, nobody else disturbed", JUDGE_SELF, NULL, 0, \
	  "wl_subcompositor", NULL, NULL }
#define CORE_CASE(id, scen, req, judge, ifaces, code, needs)                               \
	{ id, core_probe_main, scen, req, judge, ifaces, code, needs, NULL, NULL }

const struct probe_case probe_cases[] = {
	/* ---- wl_shm pools: fd kinds ---- */
	FD_REFUSED("shm.fd.pipe", "pool-fd-pipe", "a pipe"),
	FD_REFUSED("shm.fd.socket", "pool-fd-socket", "a socket"),
	FD_REFUSED("shm.fd.directory", "pool-fd-directory", "a directory"),
	FD_REFUSED("shm.fd.opath", "pool-fd-opath", "an O_PATH fd"),
	FD_REFUSED("shm.fd.devnull", "pool-fd-devnull", "/dev/null"),
	SHM_CASE("shm.fd.devzero", "pool-fd-devzero",
		 "/dev/zero maps, but is no shared memory with the client: left open",
		 JUDGE_INFO, NULL, 0),
	SHM_CASE("shm.fd.readonly", "pool-fd-readonly",
		 "a read-only fd: the protocol does not say whether it may be mapped read-only",
		 JUDGE_INFO, NULL, 0),
	SHM_CASE("shm.fd.tmpfile", "pool-fd-tmpfile",
		 "a file on disk: any mappable fd is allowed; left open", JUDGE_INFO, NULL, 0),
	SHM_CASE("shm.fd.memfd-unsealed", "pool-unsealed",
		 "a sound pool on a memfd without seals is accepted", JUDGE_OK, NULL, 0),
	SHM_CASE("shm.fd.memfd-nosealing", "pool-memfd-nosealing",
		 "a sound pool on a memfd made without MFD_ALLOW_SEALING is accepted",
		 JUDGE_OK, NULL, 0),
	SHM_CASE("shm.fd.memfd-sealed", "pool-sealed",
		 "a sound pool on a memfd sealed SHRINK|GROW is accepted", JUDGE_OK, NULL, 0),
	/* ---- sizes ---- */
	SHM_CASE("shm.size.zero", "pool-size-zero",
		 "create_pool of size 0: invalid_stride (\"invalid size\") or invalid_fd "
		 "(nothing to map)", JUDGE_ERROR, SHM, -1),
	SHM_CASE("shm.size.negative", "pool-size-negative",
		 "create_pool of size -4096: invalid_stride or invalid_fd", JUDGE_ERROR, SHM, -1),
	SHM_CASE("shm.size.past-eof", "pool-larger-than-file",
		 "a pool of 8192 bytes on a 4096-byte file: the protocol is silent; reading past "
		 "the end of the file is SIGBUS, so the compositor must refuse it or guard its "
		 "reads",
		 JUDGE_INFO, NULL, 0),
	/* ---- seals ---- */
	SHM_CASE("shm.seal.write", "pool-seal-write",
		 "a pool sealed WRITE can still be read: accepted read-only, or refused "
		 "(left open)",
		 JUDGE_INFO, NULL, 0),
	SHM_CASE("shm.seal.future-write", "pool-seal-future-write",
		 "a pool sealed FUTURE_WRITE: accepted read-only, or refused (left open)",
		 JUDGE_INFO, NULL, 0),
	/* ---- resize ---- */
	SHM_CASE("shm.resize.shrink", "pool-resize-shrink",
		 "wl_shm_pool.resize \"can only be used to make the pool bigger\": a protocol "
		 "error (the protocol names no code)", JUDGE_ERROR, POOL, -1),
	SHM_CASE("shm.resize.sealed-past-eof", "pool-resize-sealed-past-eof",
		 "a sealed 4096-byte file grown as a pool to 8192 and a buffer in the new half: "
		 "refused or guarded, never SIGBUS", JUDGE_SURVIVE, NULL, 0),
	SHM_CASE("shm.resize.sealed-past-eof-shown", "pool-resize-sealed-past-eof-shown",
		 "the same buffer past F_SEAL_GROW shown: refused or guarded, never SIGBUS",
		 JUDGE_SURVIVE, NULL, 0),
	SHM_CASE("shm.resize.unsealed-past-eof", "pool-resize-unsealed-past-eof",
		 "an unsealed 4096-byte file grown as a pool to 8192, the buffer in the new half "
		 "shown: refused or guarded, never SIGBUS", JUDGE_SURVIVE, NULL, 0),
	SHM_CASE("shm.truncate.after-commit", "truncate-after-commit",
		 "the file of a shown buffer truncated to 0, then committed again: the "
		 "compositor survives (SIGBUS handled)", JUDGE_SURVIVE, NULL, 0),
	/* ---- buffer geometry ---- */
	BAD_BUFFER("shm.buffer.width-zero", "buffer-width-zero", "width 0"),
	BAD_BUFFER("shm.buffer.height-zero", "buffer-height-zero", "height 0"),
	BAD_BUFFER("shm.buffer.width-negative", "buffer-width-negative", "width -17"),
	BAD_BUFFER("shm.buffer.height-negative", "buffer-height-negative", "height -19"),
	BAD_BUFFER("shm.buffer.offset-negative", "buffer-offset-negative", "offset -4096"),
	BAD_BUFFER("shm.buffer.stride-negative", "buffer-stride-negative", "stride -256"),
	BAD_BUFFER("shm.buffer.size-overflow", "buffer-size-overflow",
		   "stride 0x40000000 x height 8 (wraps in 32 bits)"),
	BAD_BUFFER("shm.buffer.past-pool-end", "buffer-past-pool-end",
		   "offset 4096 + 256 x 256 past a 65536-byte pool"),
	BAD_BUFFER("shm.buffer.stride-below-min", "buffer-stride-below-min",
		   "ARGB8888 width 64 (256 bytes a row) and stride 128"),
	SHM_CASE("shm.buffer.format-unknown", "buffer-format-unknown",
		 "format 0x12345678: wl_shm.error.invalid_format", JUDGE_ERROR, POOL "|" SHM,
		 SHM_INVALID_FORMAT),
	SHM_CASE("shm.buffer.format-fourcc", "buffer-format-fourcc",
		 "format 0x34325241, ARGB8888's DRM fourcc, which wl_shm spells 0: "
		 "invalid_format unless the compositor advertised it", JUDGE_ERROR,
		 POOL "|" SHM, SHM_INVALID_FORMAT),
	SHM_CASE("shm.buffer.stride-unaligned", "buffer-stride-unaligned",
		 "XRGB8888 stride 257: alignment is not in the protocol", JUDGE_INFO, NULL, 0),
	SHM_CASE("shm.buffer.offset-unaligned", "buffer-offset-unaligned",
		 "XRGB8888 at offset 1: alignment is not in the protocol", JUDGE_INFO, NULL, 0),
	/* ---- lifetimes ---- */
	SHM_CASE("lifetime.buffer-outlives-pool", "buffer-outlives-pool",
		 "wl_shm_pool.destroy: \"the mmapped memory will be released when all buffers "
		 "that have been created from this pool are gone\": the buffer is still shown",
		 JUDGE_OK, NULL, 0),
	SHM_CASE("lifetime.surface-before-buffer", "surface-destroyed-before-buffer",
		 "a shown surface destroyed before its buffer: no error", JUDGE_OK, NULL, 0),
	SHM_CASE("lifetime.client-gone-mid-frame", "client-gone-mid-frame",
		 "a client gone with a frame pending: the compositor frees it all", JUDGE_OK,
		 NULL, 0),
	SHM_CASE("lifetime.release-after-replace", "release-after-replace",
		 "wl_buffer.release once the compositor no longer uses a replaced buffer",
		 JUDGE_SELF, NULL, 0),
	CORE_CASE("lifetime.pools-destroyed-buffers-kept", "pools-destroyed-buffers-kept",
		  "3000 pools destroyed after one buffer each, the buffers kept: no error",
		  JUDGE_SURVIVE, NULL, 0, NULL),
	/* ---- floods ---- */
	SHM_CASE("flood.pools", "many-pools",
		 "1000 sealed pools, half destroyed: served or refused with an error, never "
		 "unbounded", JUDGE_SURVIVE, NULL, 0),
	CORE_CASE("flood.mappings", "pool-mappings-limit",
		  "6000 pools each pinned by a buffer: served or refused, never unbounded",
		  JUDGE_SURVIVE, NULL, 0, NULL),
	SHM_CASE("flood.damage-million-rects", "damage-million-rects",
		 "a million damage rectangles in one commit: the frame is drawn, or the client "
		 "refused; others keep their frames", JUDGE_SURVIVE, NULL, 0),
	SHM_CASE("flood.requests-unread", "requests-unread",
		 "replies never read: the compositor must not block on this client",
		 JUDGE_SURVIVE, NULL, 0),
	SHM_CASE("flood.fds-to-limit", "fd-flood",
		 "connections up to the compositor's fd limit: a newcomer is still served "
		 "within 2 s", JUDGE_SELF, NULL, 0),
	SHM_CASE("flood.garbage-on-socket", "garbage-on-socket",
		 "8 KiB of noise on the socket: the client is dropped, nobody else is",
		 JUDGE_SURVIVE, NULL, 0),
	/* ---- pixel truth ---- */
	CORE_CASE("pixels.shm-formats", "pixels-shm",
		  "for every advertised wl_shm RGB format (all 18 RGB formats of sealway's table "
		  "known), what the client wrote is what the output shows, exactly (screencopy)",
		  JUDGE_SELF, NULL, 0, SCREENCOPY),
	/* ---- damage and core geometry ---- */
	SHM_CASE("core.damage-int32-max", "damage-int32-max",
		 "damage of INT32_MAX extents means \"all of it\": no error", JUDGE_OK, NULL, 0),
	CORE_CASE("core.buffer-scale-overflow", "buffer-scale-overflow",
		  "wl_surface buffer scale INT32_MAX on a 64x64 buffer: wl_surface.error."
		  "invalid_size", JUDGE_ERROR, "wl_surface", 2, NULL),
	CORE_CASE("core.subsurface-position-overflow", "subsurface-position-overflow",
		  "a subsurface moved to INT32_MAX,INT32_MAX: no error", JUDGE_OK, NULL, 0,
		  "wl_subcompositor"),
	CORE_CASE("core.window-geometry-empty", "window-geometry-empty",
		  "xdg_surface.set_window_geometry 0x16: xdg_surface.error.invalid_size",
		  JUDGE_ERROR, "xdg_surface", 5, NULL),
	CORE_CASE("core.max-size-below-min", "max-size-below-min",
		  "a maximum size below the minimum: xdg_toplevel.error.invalid_size",
		  JUDGE_ERROR, "xdg_toplevel", 2, NULL),
	CORE_CASE("core.ack-configure-zero", "ack-configure-zero",
		  "ack_configure of a serial never sent: xdg_surface.error.invalid_serial",
		  JUDGE_ERROR, "xdg_surface", 4, NULL),
	CORE_CASE("core.wm-base-destroyed-first", "wm-base-destroyed-first",
		  "xdg_wm_base destroyed while an xdg_surface lives: xdg_wm_base.error."
		  "defunct_surfaces", JUDGE_ERROR, "xdg_wm_base|unknown", 1, NULL),
	CORE_CASE("core.wm-base-destroy-with-surfaces", "wm-base-destroy-with-surfaces",
		  "xdg_wm_base destroyed with a live xdg_surface: defunct_surfaces",
		  JUDGE_ERROR, "xdg_wm_base|unknown", 1, NULL),
	CORE_CASE("core.popup-parent-surface-destroyed", "popup-parent-surface-destroyed",
		  "a popup whose parent's wl_surface is gone, mapped: no crash", JUDGE_SURVIVE,
		  NULL, 0, NULL),
	CORE_CASE("core.popup-anchor-overflow", "popup-anchor-overflow",
		  "a popup anchored at INT32_MAX with INT32_MAX offsets: placed, no error",
		  JUDGE_OK, NULL, 0, NULL),
	CORE_CASE("core.subsurface-deep-chain", "subsurface-deep-chain",
		  "100000 nested subsurfaces: served or refused, never a stack overflow",
		  JUDGE_SURVIVE, NULL, 0, "wl_subcompositor"),
	CORE_CASE("core.ack-configure-twice", "ack-configure-twice",
		  "the same configure serial acked twice: xdg_surface.error.invalid_serial",
		  JUDGE_ERROR, "xdg_surface", 4, NULL),
	CORE_CASE("core.ack-configure-uint32-max", "ack-configure-uint32-max",
		  "ack_configure UINT32_MAX, never sent: xdg_surface.error.invalid_serial",
		  JUDGE_ERROR, "xdg_surface", 4, NULL),
	CORE_CASE("core.ack-configure-of-another-surface", "ack-configure-of-another-surface",
		  "a serial sent to another xdg_surface: xdg_surface.error.invalid_serial",
		  JUDGE_ERROR, "xdg_surface", 4, NULL),
	CORE_CASE("core.screencopy-region-overflow", "screencopy-region-overflow",
		  "capture_output_region at +-INT32_MAX: no crash", JUDGE_SURVIVE, NULL, 0,
		  SCREENCOPY),
	/* ---- linux-dmabuf params ---- */
	PARAMS_CASE("dmabuf.params.plane-idx", "plane-idx", "add with plane index 4: plane_idx",
		    P_PLANE_IDX),
	PARAMS_CASE("dmabuf.params.plane-set", "plane-set", "plane 0 added twice: plane_set",
		    P_PLANE_SET),
	PARAMS_CASE("dmabuf.params.already-used-add", "already-used-add",
		    "add after create: already_used", P_ALREADY_USED),
	PARAMS_CASE("dmabuf.params.already-used-create", "already-used-create",
		    "create twice: already_used", P_ALREADY_USED),
	PARAMS_CASE("dmabuf.params.incomplete-missing", "incomplete-missing",
		    "NV12 with only plane 0: incomplete", P_INCOMPLETE),
	PARAMS_CASE("dmabuf.params.incomplete-extra", "incomplete-extra",
		    "XRGB8888 with planes 0 and 1: incomplete", P_INCOMPLETE),
	PARAMS_CASE("dmabuf.params.incomplete-gap", "incomplete-gap",
		    "NV12 with planes 0 and 2: incomplete", P_INCOMPLETE),
	PARAMS_CASE("dmabuf.params.invalid-format", "invalid-format",
		    "format 0x12345678: invalid_format", P_INVALID_FORMAT),
	PARAMS_CASE("dmabuf.params.invalid-format-unoffered", "invalid-format-unoffered",
		    "a fourcc not advertised (v4: \"not advertised\"): invalid_format",
		    P_INVALID_FORMAT),
	{ "dmabuf.params.invalid-modifier", dmabuf_probe_main, "invalid-modifier",
	  "a modifier not advertised: invalid_format", JUDGE_ERROR, PARAMS, P_INVALID_FORMAT,
	  DMABUF_V4, NULL, NULL },
	PARAMS_CASE("dmabuf.params.invalid-modifier-v3", "invalid-modifier-v3",
		    "version 3: an X-tiled XRGB8888 never advertised, at create: invalid_format",
		    P_INVALID_FORMAT),
	PARAMS_CASE("dmabuf.params.width-zero", "width-zero", "create 0x64: invalid_dimensions",
		    P_INVALID_DIMENSIONS),
	PARAMS_CASE("dmabuf.params.height-negative", "height-negative",
		    "create 64x-64: invalid_dimensions", P_INVALID_DIMENSIONS),
	PARAMS_CASE("dmabuf.params.stride-below-min", "stride-below-min",
		    "XRGB8888 width 64 with stride 128: invalid_dimensions", P_INVALID_DIMENSIONS),
	PARAMS_CASE("dmabuf.bounds.size", "out-of-bounds-size",
		    "64x64 XRGB8888 in a 4096-byte fd (lseek SEEK_END): out_of_bounds",
		    P_OUT_OF_BOUNDS),
	PARAMS_CASE("dmabuf.bounds.offset", "out-of-bounds-offset",
		    "offset 4096 + 256 x 64 past 16384 bytes: out_of_bounds", P_OUT_OF_BOUNDS),
	PARAMS_CASE("dmabuf.bounds.overflow", "out-of-bounds-overflow",
		    "offset + stride x height wrapping 32 bits: out_of_bounds", P_OUT_OF_BOUNDS),
	PARAMS_CASE("dmabuf.bounds.chroma", "out-of-bounds-chroma",
		    "NV12 chroma plane at the end of the fd: out_of_bounds", P_OUT_OF_BOUNDS),
	PARAMS_CASE("dmabuf.fake.memfd-create-immed", "memfd-create-immed",
		    "a memfd posing as a dma-buf, create_immed: invalid_wl_buffer (the import "
		    "fails)", P_INVALID_WL_BUFFER),
	{ "dmabuf.fake.memfd-create", dmabuf_probe_main, "memfd-create",
	  "a memfd posing as a dma-buf, create: the failed event (or an import that is safe)",
	  JUDGE_INFO, NULL, 0, DMABUF, NULL, NULL },
	{ "dmabuf.fake.pipe-create", dmabuf_probe_main, "pipe-create",
	  "a pipe as plane 0, create: the failed event or an error", JUDGE_SURVIVE, NULL, 0,
	  DMABUF, NULL, NULL },
	{ "dmabuf.params.many", dmabuf_probe_main, "many-params",
	  "300 params with fds: every fd closed when its params go", JUDGE_SURVIVE, NULL, 0,
	  DMABUF, NULL, NULL },
	/* ---- fds the compositor sends ---- */
	{ "sent-fds.keymap", keymap_probe_main, "keymap",
	  "wl_keyboard.keymap (wl_seat 7): an XKB_V1 keymap the client maps MAP_PRIVATE; the "
	  "fd read-only, sealed SHRINK|GROW|WRITE, not mappable writable and shared",
	  JUDGE_SELF, NULL, 0, "wl_seat", NULL, NULL },
	{ "sent-fds.keymap-shared", keymap_probe_main, "keymap-shared",
	  "two clients' keymaps: one file for both or one each (st_dev/st_ino) is left open",
	  JUDGE_INFO, NULL, 0, "wl_seat", NULL, NULL },
	{ "sent-fds.keymap-tamper", keymap_probe_main, "keymap-tamper",
	  "no client can change the keymap another client (or a new one) reads: write(), "
	  "ftruncate(), mmap(PROT_WRITE, MAP_SHARED), fchmod() and a reopen of "
	  "/proc/self/fd/N O_RDWR all fail or touch only a private copy", JUDGE_SELF, NULL, 0,
	  "wl_seat", NULL, NULL },
	{ "sent-fds.dmabuf-feedback-table", dmabuf_probe_main, "feedback",
	  "the v4 format table: exactly 16 bytes an entry, read-only, sealed; main_device "
	  "names a device", JUDGE_SELF, NULL, 0, DMABUF_V4, NULL, NULL },
	{ "dmabuf.formats-v3", dmabuf_probe_main, "formats-v3",
	  "version 3: format and modifier events", JUDGE_SELF, NULL, 0, DMABUF, NULL, NULL },
	/* ---- real dma-bufs ---- */
	{ "dmabuf.real.udmabuf-released", dmabuf_probe_main, "udmabuf-released",
	  "udmabuf buffers imported and shown; wl_buffer.release of the first after the flip "
	  "away", JUDGE_SELF, NULL, 0, DMABUF, "/dev/udmabuf", NULL },
	{ "dmabuf.real.heap-released", dmabuf_probe_main, "heap-released",
	  "dma-heap buffers imported and shown; wl_buffer.release of the first after the flip "
	  "away", JUDGE_SELF, NULL, 0, DMABUF, "/dev/dma_heap/system", NULL },
	/* ---- pixel truth on real dma-bufs ---- */
	{ "pixels.dmabuf-udmabuf", dmabuf_probe_main, "pixels-udmabuf",
	  "for every format offered with LINEAR that the probe writes (18 RGB, NV12), on "
	  "/dev/udmabuf: what the client wrote is what the output shows (screencopy); RGB "
	  "exactly, NV12 (BT.601 limited range) within 2 a channel", JUDGE_SELF, NULL, 0,
	  SCREENCOPY, "/dev/udmabuf", NULL },
	{ "pixels.dmabuf-heap", dmabuf_probe_main, "pixels-heap",
	  "the same on /dev/dma_heap/system buffers", JUDGE_SELF, NULL, 0, SCREENCOPY,
	  "/dev/dma_heap/system", NULL },
	/* ---- fuzz: seeded random request streams, one case a seed ---- */
	FUZZ_CASE("fuzz.seed-1", "seed-1"),
	FUZZ_CASE("fuzz.seed-2", "seed-2"),
	FUZZ_CASE("fuzz.seed-3", "seed-3"),
};

const unsigned probe_case_count = sizeof(probe_cases) / sizeof(probe_cases[0]);
