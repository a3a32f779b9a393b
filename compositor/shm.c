/*
 * wl_shm done strictly: every fd is checked for what it is, every size
 * against the file behind it (on create and on every resize), seals are
 * read and believed only when the file size proves them, and every CPU
 * access to a pool that could shrink under us is guarded against SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/udmabuf.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "anon-file.h"
#include "backend.h"
#include "budget.h"
#include "buffer.h"
#include "formats.h"
#include "log.h"
#include "output.h"
#include "server.h"
#include "shm.h"
#include "sigbus.h"

#define SHM_VERSION 1

/*
 * What a client makes us hold is charged to its account (budget.h): each
 * mapping and its bytes (buffers keep theirs after the pool is destroyed or
 * resized), and each fd kept (sealed pools).
 */

struct sw_shm {
	struct sw_server *server;
	struct wl_global *global;
	struct wl_listener display_destroy;
};

struct shm_pool;

/* One mmap of a pool's fd. Resizes make new ones; buffers keep theirs alive. */
struct shm_mapping {
	struct shm_pool *pool;     /* outlives it: buffers hold both */
	void *data;
	size_t size;               /* the pool's size when it was made */
	size_t map_len;            /* size rounded up to the pool's page size */
	unsigned refs;
	struct sw_sigbus_range guard; /* used only by buffers that need it */
};

struct shm_pool {
	struct sw_shm *shm;
	struct wl_resource *resource; /* NULL once destroyed by the client */
	struct wl_client *client;
	struct sw_account *account; /* outlives it: the mappings hold charges */
	/*
	 * Kept only for pools sealed against shrinking, whose resizes are checked
	 * against the file; -1 for the others (closed after mmap) and once the
	 * resource is gone (no resize can come).
	 */
	int fd;
	int seals;
	/*
	 * A memfd sealed against shrinking and not against writing: its buffers
	 * may become udmabufs for scanout (made at create_buffer, while the fd
	 * is open: the pool may be destroyed right after).
	 */
	bool udmabuf_ok;
	size_t page_size;          /* hugetlbfs maps whole huge pages; else 1 */
	struct shm_mapping *mapping;
	unsigned refs;             /* the resource and every buffer */
	unsigned deferred;         /* buffers that may yet become udmabufs: they need the fd */
};

struct shm_buffer {
	struct sw_buffer base;
	struct shm_pool *pool;
	struct shm_mapping *mapping;
	int32_t offset, stride;
	bool guarded;              /* false when seals and size make SIGBUS impossible */
	pixman_image_t *image;
	/*
	 * The udmabuf of the pages under it, for scanout: made at create_buffer
	 * for a buffer the size of an output, else when a plane first could take
	 * it (the pool, which it holds, keeps the memfd open until then).
	 */
	int udmabuf_fd;            /* -1: none */
	bool udmabuf_deferred;     /* not made only because of its size: try when asked */
	uint64_t pinned;           /* bytes charged for it */
	char udmabuf_why[96];      /* why it has none */
};

static void
mapping_unref(struct shm_mapping *mapping)
{
	if (--mapping->refs > 0)
		return;
	struct sw_account *account = mapping->pool->account;
	size_t len = mapping->map_len;
	munmap(mapping->data, len);
	free(mapping);
	sw_account_release(account, SW_BUDGET_MAPPED_BYTES, len);
	sw_account_release(account, SW_BUDGET_MAPPINGS, 1);
}

static size_t
mapping_length(const struct shm_pool *pool, size_t size)
{
	return (size + pool->page_size - 1) / pool->page_size * pool->page_size;
}

/*
 * A mapping of the first `size` bytes of the pool's file: from `fd`, or when
 * that is -1, a second view of the same pages as the mapping `from` (mremap
 * with old size 0, which needs no fd). NULL with the reason in `why`.
 */
static struct shm_mapping *
mapping_create(struct shm_pool *pool, int fd, const struct shm_mapping *from, size_t size,
	       char *why, size_t why_len)
{
	size_t len = mapping_length(pool, size);
	if (!sw_account_charge(pool->account, SW_BUDGET_MAPPINGS, 1, why, why_len))
		return NULL;
	if (!sw_account_charge(pool->account, SW_BUDGET_MAPPED_BYTES, len, why, why_len))
		goto err_mappings;
	struct shm_mapping *mapping = calloc(1, sizeof(*mapping));
	if (!mapping) {
		snprintf(why, why_len, "out of memory");
		goto err_bytes;
	}
	mapping->pool = pool;
	mapping->map_len = len;
	if (fd >= 0)
		mapping->data = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	else
		mapping->data = mremap(from->data, 0, len, MREMAP_MAYMOVE);
	if (mapping->data == MAP_FAILED) {
		int saved = errno;
		free(mapping);
		errno = saved;
		snprintf(why, why_len, "mapping %zu bytes failed: %s", size, strerror(saved));
		goto err_bytes;
	}
	mapping->size = size;
	mapping->refs = 1;
	sw_sigbus_range_init(&mapping->guard, mapping->data, len, PROT_READ | PROT_WRITE);
	return mapping;

err_bytes:
	sw_account_release(pool->account, SW_BUDGET_MAPPED_BYTES, len);
err_mappings:
	sw_account_release(pool->account, SW_BUDGET_MAPPINGS, 1);
	return NULL;
}

/*
 * Grow the pool's mapping to `size`: in place (mremap) when no buffer uses
 * it, else a new one, and buffers keep the old. False with the reason in `why`.
 */
static bool
pool_grow_mapping(struct shm_pool *pool, size_t size, char *why, size_t why_len)
{
	struct shm_mapping *old = pool->mapping;
	if (old->refs == 1) {
		size_t len = mapping_length(pool, size);
		if (!sw_account_charge(pool->account, SW_BUDGET_MAPPED_BYTES, len - old->map_len,
				       why, why_len))
			return false;
		void *data = mremap(old->data, old->map_len, len, MREMAP_MAYMOVE);
		if (data != MAP_FAILED) {
			old->data = data;
			old->size = size;
			old->map_len = len;
			/* Only buffers begin accesses, and none uses this mapping. */
			sw_sigbus_range_init(&old->guard, data, len, PROT_READ | PROT_WRITE);
			return true;
		}
		int saved = errno;
		sw_account_release(pool->account, SW_BUDGET_MAPPED_BYTES, len - old->map_len);
		if (pool->fd < 0) {
			snprintf(why, why_len, "mremap to %zu bytes failed: %s", size, strerror(saved));
			return false;
		}
		/* Some filesystems cannot mremap (hugetlbfs before Linux 6.x): map afresh. */
	}
	struct shm_mapping *mapping = mapping_create(pool, pool->fd, old, size, why, why_len);
	if (!mapping)
		return false;
	mapping_unref(old);
	pool->mapping = mapping;
	return true;
}

static void
pool_close_fd(struct shm_pool *pool)
{
	if (pool->fd < 0)
		return;
	close(pool->fd);
	pool->fd = -1;
	sw_account_release(pool->account, SW_BUDGET_FDS, 1);
}

static void
pool_unref(struct shm_pool *pool)
{
	if (--pool->refs > 0)
		return;
	pool_close_fd(pool);
	mapping_unref(pool->mapping);
	free(pool);
}

/* ---- buffers ---- */

static pixman_image_t *
shm_buffer_begin_access(struct sw_buffer *base, const pixman_region32_t *damage)
{
	struct shm_buffer *buffer = wl_container_of(base, buffer, base);
	if (buffer->guarded)
		sw_sigbus_begin(&buffer->mapping->guard);
	return buffer->image;
}

static bool
shm_buffer_end_access(struct sw_buffer *base)
{
	struct shm_buffer *buffer = wl_container_of(base, buffer, base);
	struct shm_mapping *m = buffer->mapping;
	if (!buffer->guarded || !sw_sigbus_end(&m->guard))
		return true;

	sw_warn("client's shm pool of %zu bytes lost pages under a read (truncated, or resized "
		"past its file); disconnecting it", m->size);
	struct wl_resource *target = base->resource ? base->resource : buffer->pool->resource;
	if (target)
		wl_resource_post_error(target, WL_SHM_ERROR_INVALID_FD,
				       "shm pool of %zu bytes reaches past the end of its file "
				       "(truncated while in use, or resized beyond it); seal it with "
				       "F_SEAL_SHRINK", m->size);
	else
		wl_client_post_no_memory(buffer->pool->client);
	return false;
}

/* udmabuf's own cap on one buffer (its size_limit_mb parameter), in bytes; 0: unknown. */
static uint64_t
udmabuf_size_limit(void)
{
	FILE *f = fopen("/sys/module/udmabuf/parameters/size_limit_mb", "re");
	if (!f)
		return 0;
	unsigned long long mb = 0;
	if (fscanf(f, "%llu", &mb) != 1)
		mb = 0;
	fclose(f);
	return (uint64_t)mb << 20;
}

/* The page range of the memfd that covers the buffer. */
static void
buffer_pages(const struct shm_buffer *buffer, uint64_t *start, uint64_t *size)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t page = page_size > 0 ? (uint64_t)page_size : 4096;
	uint64_t end = (uint64_t)buffer->offset +
		       (uint64_t)buffer->stride * (uint64_t)buffer->base.height;
	*start = (uint64_t)buffer->offset / page * page;
	*size = (end - *start + page - 1) / page * page;
}

/*
 * Make a sealed memfd's buffer a udmabuf: the pages covering it, the rest
 * of the first page its framebuffer's offset. At create_buffer (`any_size`
 * false) only for a buffer the size of an output, which may be the whole
 * frame: pinning every window's pages up front would pin memory for
 * nothing, so the others wait until an overlay plane could show them. On
 * failure the reason is kept for the display to say, once.
 */
static void
shm_buffer_make_udmabuf(struct shm_buffer *buffer, bool any_size)
{
	struct shm_pool *pool = buffer->pool;
	struct sw_server *server = pool->shm->server;
	char *w = buffer->udmabuf_why;
	size_t wl = sizeof(buffer->udmabuf_why);
	if (!pool->udmabuf_ok || pool->fd < 0) {
		snprintf(w, wl, "its pool is not a memfd sealed with F_SEAL_SHRINK alone");
		return;
	}
	/* Seals only grow: read them again. */
	int seals = fcntl(pool->fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
		snprintf(w, wl, "its memfd is now sealed against writing");
		return;
	}
	if (!server->backend || !server->backend->has_drm_dev) {
		snprintf(w, wl, "no display here scans buffers out");
		return;
	}
	uint64_t start, size, limit = udmabuf_size_limit();
	buffer_pages(buffer, &start, &size);
	struct stat st;
	if (fstat(pool->fd, &st) < 0 || (uint64_t)st.st_size < start + size) {
		snprintf(w, wl, "its last page is past the end of the memfd");
		return;
	}
	if ((uint64_t)buffer->offset != start && server->backend->fb_offsets_wrong) {
		/* The framebuffer would need an offset of the rest of the page. */
		snprintf(w, wl, "it starts %llu bytes into a page of its pool, and this driver "
			 "shows framebuffer offsets wrongly",
			 (unsigned long long)((uint64_t)buffer->offset - start));
		return;
	}
	if (limit && size > limit) {
		snprintf(w, wl, "%llu bytes exceed udmabuf's size_limit_mb (%llu MiB)",
			 (unsigned long long)size, (unsigned long long)(limit >> 20));
		return;
	}
	bool output_sized = false;
	struct sw_output *output;
	wl_list_for_each(output, &server->outputs, link)
		output_sized = output_sized || (output->width == buffer->base.width &&
						output->height == buffer->base.height);
	if (!output_sized && !any_size) {
		/* Only an opaque window can go on an overlay: defer only what one could take. */
		if (!server->backend->has_overlays || buffer->base.format->has_alpha) {
			snprintf(w, wl, "it is not the size of an output, and %s",
				 buffer->base.format->has_alpha ? "its format has alpha"
								: "no output has overlay planes");
			return;
		}
		snprintf(w, wl, "it is not the size of an output");
		buffer->udmabuf_deferred = true;
		pool->deferred++;
		return;
	}
	if (!sw_account_charge(pool->account, SW_BUDGET_PINNED_BYTES, size, w, wl))
		return;
	if (!sw_account_charge(pool->account, SW_BUDGET_FDS, 1, w, wl))
		goto err_pinned;
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		snprintf(w, wl, "/dev/udmabuf: %s", strerror(errno));
		goto err_fd;
	}
	struct udmabuf_create create = {
		.memfd = (uint32_t)pool->fd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = start,
		.size = size,
	};
	int fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		snprintf(w, wl, "UDMABUF_CREATE: %s", strerror(errno));
	close(dev);
	if (fd < 0)
		goto err_fd;
	buffer->udmabuf_fd = fd;
	buffer->pinned = size;
	sw_debug("shm: buffer %p is a udmabuf of %llu bytes at %llu of its memfd",
		 (void *)&buffer->base, (unsigned long long)size, (unsigned long long)start);
	return;

err_fd:
	sw_account_release(pool->account, SW_BUDGET_FDS, 1);
err_pinned:
	sw_account_release(pool->account, SW_BUDGET_PINNED_BYTES, size);
}

/* The buffer will not become a udmabuf later: its pool's fd may go once nothing else needs it. */
static void
shm_buffer_undefer(struct shm_buffer *buffer)
{
	struct shm_pool *pool = buffer->pool;
	if (!buffer->udmabuf_deferred)
		return;
	buffer->udmabuf_deferred = false;
	if (--pool->deferred == 0 && !pool->resource)
		pool_close_fd(pool);
}

static bool
shm_buffer_get_dmabuf(struct sw_buffer *base, struct sw_buffer_dmabuf *out, char *why,
		      size_t why_len)
{
	struct shm_buffer *buffer = wl_container_of(base, buffer, base);
	if (buffer->udmabuf_deferred) {
		/* Once: the display keeps what this returns for the buffer's life. */
		shm_buffer_make_udmabuf(buffer, true);
		shm_buffer_undefer(buffer);
	}
	if (buffer->udmabuf_fd < 0) {
		snprintf(why, why_len, "no udmabuf: %s", buffer->udmabuf_why);
		return false;
	}
	uint64_t start, size;
	buffer_pages(buffer, &start, &size);
	*out = (struct sw_buffer_dmabuf){
		.format = base->format->drm,
		.modifier = DRM_FORMAT_MOD_LINEAR,
		.n_planes = 1,
		.fds = { buffer->udmabuf_fd },
		.offsets = { (uint32_t)((uint64_t)buffer->offset - start) },
		.strides = { (uint32_t)buffer->stride },
	};
	return true;
}

static void
shm_buffer_destroy(struct sw_buffer *base)
{
	struct shm_buffer *buffer = wl_container_of(base, buffer, base);
	if (buffer->udmabuf_fd >= 0) {
		close(buffer->udmabuf_fd);
		sw_account_release(buffer->pool->account, SW_BUDGET_FDS, 1);
		sw_account_release(buffer->pool->account, SW_BUDGET_PINNED_BYTES, buffer->pinned);
	}
	shm_buffer_undefer(buffer);
	pixman_image_unref(buffer->image);
	mapping_unref(buffer->mapping);
	pool_unref(buffer->pool);
	free(buffer);
}

static const struct sw_buffer_impl shm_buffer_impl = {
	.name = "wl_shm",
	.begin_access = shm_buffer_begin_access,
	.end_access = shm_buffer_end_access,
	.get_dmabuf = shm_buffer_get_dmabuf,
	.destroy = shm_buffer_destroy,
};

bool
sw_buffer_is_shm(const struct sw_buffer *buffer)
{
	return buffer->impl == &shm_buffer_impl;
}

static bool
format_advertised(const struct sw_format *fmt)
{
	return fmt && fmt->pixman && pixman_format_supported_source(fmt->pixman);
}

static void
pool_create_buffer(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		   int32_t offset, int32_t width, int32_t height, int32_t stride, uint32_t format)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	const struct sw_format *fmt = sw_format_from_shm(format);

	if (!format_advertised(fmt)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FORMAT,
				       "format 0x%08x is not advertised by this wl_shm", format);
		return;
	}
	if (width <= 0 || height <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       width <= 0 ? "width %d is not positive" : "height %d is not positive",
				       width <= 0 ? width : height);
		return;
	}
	if (offset < 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "offset %d is negative", offset);
		return;
	}
	if (stride <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "stride %d is not positive", stride);
		return;
	}
	uint64_t min_stride = sw_format_min_stride(fmt, 0, (uint32_t)width);
	if ((uint64_t)stride < min_stride) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "stride %d is below width %d * %u bytes per pixel of %s",
				       stride, width, fmt->cpp[0], fmt->name);
		return;
	}
	if (stride % 4 != 0) {
		/* pixman reads rows as 32-bit words. */
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "stride %d is not a multiple of 4", stride);
		return;
	}
	/* 64-bit arithmetic: stride * height cannot overflow. */
	uint64_t end = (uint64_t)offset + (uint64_t)stride * (uint64_t)height;
	if (end > pool->mapping->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "offset %d + stride %d * height %d = %llu exceeds the pool "
				       "size %zu",
				       offset, stride, height, (unsigned long long)end,
				       pool->mapping->size);
		return;
	}

	struct shm_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->base.width = width;
	buffer->base.height = height;
	buffer->base.format = fmt;
	buffer->offset = offset;
	buffer->stride = stride;
	buffer->udmabuf_fd = -1;
	buffer->image = pixman_image_create_bits(fmt->pixman, width, height,
						 (uint32_t *)((char *)pool->mapping->data + offset),
						 stride);
	if (!buffer->image) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	if (!sw_buffer_init(&buffer->base, &shm_buffer_impl, client, id)) {
		pixman_image_unref(buffer->image);
		free(buffer);
		return;
	}
	buffer->pool = pool;
	pool->refs++;
	buffer->mapping = pool->mapping;
	buffer->mapping->refs++;
	/*
	 * SHRINK-sealed and (checked on create and every resize) never larger than
	 * its file: the pages cannot vanish, so no guard is needed.
	 */
	buffer->guarded = !(pool->seals & F_SEAL_SHRINK);
	shm_buffer_make_udmabuf(buffer, false);
}

static void
pool_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* A pool of `size` needs a file at least that large. Returns false with a message in `why`. */
static bool
check_file_size(const struct stat *st, int64_t size, char *why, size_t len)
{
	if ((int64_t)st->st_size < size) {
		snprintf(why, len, "pool size %lld is larger than the file (%lld bytes)",
			 (long long)size, (long long)st->st_size);
		return false;
	}
	return true;
}

static void
pool_resize(struct wl_client *client, struct wl_resource *resource, int32_t size)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	char why[160];

	if (size <= 0 || (size_t)size < pool->mapping->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "resize to %d bytes would shrink the pool of %zu bytes", size,
				       pool->mapping->size);
		return;
	}
	if ((size_t)size == pool->mapping->size)
		return;
	/*
	 * Only pools sealed against shrinking keep their fd, and only they can be
	 * checked against their file. The others were closed after mmap: their
	 * size is the client's word, and the SIGBUS guard catches a lie at the
	 * first read (as it catches a truncation).
	 */
	if (pool->fd >= 0) {
		/* Seals are only ever added: F_SEAL_SHRINK is still there. */
		struct stat st;
		if (fstat(pool->fd, &st) < 0) {
			wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
					       "resize: fstat failed: %s", strerror(errno));
			return;
		}
		if (!check_file_size(&st, size, why, sizeof(why))) {
			int seals = fcntl(pool->fd, F_GET_SEALS);
			wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "resize: %s%s", why,
					       seals >= 0 && (seals & F_SEAL_GROW)
						       ? " and F_SEAL_GROW forbids growing it" : "");
			return;
		}
	}
	if (!pool_grow_mapping(pool, (size_t)size, why, sizeof(why))) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "resize to %d bytes: %s",
				       size, why);
		return;
	}
	sw_debug("shm pool resized to %d bytes", size);
}

static const struct wl_shm_pool_interface pool_impl = {
	.create_buffer = pool_create_buffer,
	.destroy = pool_handle_destroy,
	.resize = pool_resize,
};

static void
pool_resource_destroy(struct wl_resource *resource)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	pool->resource = NULL;
	/*
	 * Only resize and create_buffer need the fd, and buffers that may yet
	 * become udmabufs: the others live on their mappings.
	 */
	if (!pool->deferred)
		pool_close_fd(pool);
	pool_unref(pool);
}

/* Why a file of mode `st` cannot back a pool, or NULL if its type can. */
static const char *
file_type_unsuitable(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return "a pipe";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (!S_ISREG(st->st_mode))
		return "a special file such as an eventfd";
	return NULL;
}

/*
 * Filesystems whose pages are memory: reading them never waits for a disk
 * or a server, so a repaint cannot block on a client's file.
 */
static bool
fs_is_memory(long type)
{
	return type == TMPFS_MAGIC || type == HUGETLBFS_MAGIC;
}

/* The name of filesystem `type`, for the common ones; else its magic in hex into `buf`. */
static const char *
fs_name(long type, char *buf, size_t len)
{
	static const struct { long magic; const char *name; } names[] = {
		{ EXT4_SUPER_MAGIC, "ext2/3/4" }, { BTRFS_SUPER_MAGIC, "btrfs" },
		{ XFS_SUPER_MAGIC, "xfs" }, { OVERLAYFS_SUPER_MAGIC, "overlayfs" },
		{ FUSE_SUPER_MAGIC, "FUSE" }, { NFS_SUPER_MAGIC, "NFS" },
		{ SMB2_SUPER_MAGIC, "SMB" }, { CIFS_SUPER_MAGIC, "CIFS" },
		{ V9FS_MAGIC, "9p" }, { F2FS_SUPER_MAGIC, "f2fs" }, { RAMFS_MAGIC, "ramfs" },
		{ PROC_SUPER_MAGIC, "proc" }, { SYSFS_MAGIC, "sysfs" },
		{ MSDOS_SUPER_MAGIC, "FAT" }, { SQUASHFS_MAGIC, "squashfs" },
		{ ECRYPTFS_SUPER_MAGIC, "ecryptfs" }, { DMA_BUF_MAGIC, "dma-buf" },
		{ ANON_INODE_FS_MAGIC, "anon_inodefs" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].magic == type)
			return names[i].name;
	}
	snprintf(buf, len, "0x%lx", (unsigned long)type);
	return buf;
}

/*
 * After mmap of `fd` failed with EACCES: say so in the client's terms if the
 * access mode is why. Only on this error path is it looked at: the mapping
 * itself is the check.
 */
static void
explain_access(int fd, char *why, size_t len)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && (flags & O_ACCMODE) != O_RDWR)
		snprintf(why, len, "fd is not opened read-write, not a shared memory file");
}

static void
shm_create_pool(struct wl_client *client, struct wl_resource *resource, uint32_t id, int32_t fd,
		int32_t size)
{
	struct sw_shm *shm = wl_resource_get_user_data(resource);
	struct sw_options *opts = &shm->server->opts;
	char why[160];
	struct stat st;
	struct statfs sfs;

	/*
	 * Seals first, then the size: seals are only ever added, so a size read
	 * after F_SEAL_SHRINK was seen cannot shrink later. The other order lets
	 * a client truncate and seal in between and pass off an empty file as
	 * a sealed pool that needs no guard.
	 */
	int seals = fcntl(fd, F_GET_SEALS);
	int seals_errno = seals < 0 ? errno : 0;
	if (fstat(fd, &st) < 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fstat of fd failed: %s", strerror(errno));
		goto err_fd;
	}
	/* fstat works on O_PATH descriptors, F_GET_SEALS does not. */
	if (seals < 0 && seals_errno == EBADF) {
		int flags = fcntl(fd, F_GETFL);
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fd is %s, not a shared memory file",
				       flags >= 0 && (flags & O_PATH) ? "an O_PATH descriptor"
								      : "not a valid descriptor");
		goto err_fd;
	}
	if (seals < 0)
		seals = 0; /* not a memfd: no seals possible */
	const char *bad = file_type_unsuitable(&st);
	if (bad) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fd is %s, not a shared memory file", bad);
		goto err_fd;
	}
	if (size <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: size %d is not positive", size);
		goto err_fd;
	}
	if (!check_file_size(&st, size, why, sizeof(why))) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "create_pool: %s", why);
		goto err_fd;
	}
	if (fstatfs(fd, &sfs) < 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fstatfs of fd failed: %s", strerror(errno));
		goto err_fd;
	}
	if (!fs_is_memory((long)sfs.f_type)) {
		char hex[24];
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fd is a file on %s, not shared memory (only "
				       "memfd, tmpfs such as /dev/shm, and hugetlbfs: reads of other "
				       "files can block)", fs_name((long)sfs.f_type, hex, sizeof(hex)));
		goto err_fd;
	}
	if (opts->shm_require_seals && !(seals & F_SEAL_SHRINK)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: fd lacks F_SEAL_SHRINK, required by this "
				       "compositor (--shm-seals=require)");
		goto err_fd;
	}
	struct sw_account *account = sw_account_get(shm->server->budgets, client);
	if (!account && shm->server->budgets) {
		wl_client_post_no_memory(client);
		goto err_fd;
	}
	bool keep_fd = seals & F_SEAL_SHRINK;
	if (keep_fd && !sw_account_charge(account, SW_BUDGET_FDS, 1, why, sizeof(why))) {
		/* Pools sealed with F_SEAL_SHRINK keep their fd. */
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "create_pool: %s", why);
		goto err_fd;
	}

	struct shm_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		wl_client_post_no_memory(client);
		goto err_fd_charge;
	}
	pool->account = account;
	pool->page_size = sfs.f_type == HUGETLBFS_MAGIC && st.st_blksize > 0 ? (size_t)st.st_blksize
									     : 1;
	/* Map before creating the resource, so no half-built pool reaches a destructor. */
	errno = 0;
	pool->mapping = mapping_create(pool, fd, NULL, (size_t)size, why, sizeof(why));
	if (!pool->mapping) {
		if (errno == EACCES)
			explain_access(fd, why, sizeof(why));
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "create_pool: %d bytes: %s", size, why);
		goto err_pool;
	}
	pool->resource = wl_resource_create(client, &wl_shm_pool_interface,
					    wl_resource_get_version(resource), id);
	if (!pool->resource) {
		wl_client_post_no_memory(client);
		goto err_mapping;
	}
	pool->shm = shm;
	pool->client = client;
	pool->seals = seals;
	pool->refs = 1;
	/* Only a memfd takes F_SEAL_SHRINK; udmabuf refuses a write-sealed one. */
	pool->udmabuf_ok = keep_fd && shm->server->opts.scanout &&
			   !(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
	if (keep_fd) {
		pool->fd = fd;
	} else {
		/* The mapping holds the file; resizes grow it with mremap. */
		pool->fd = -1;
		close(fd);
	}
	wl_resource_set_implementation(pool->resource, &pool_impl, pool, pool_resource_destroy);

	if (sw_log_get_level() >= SW_LOG_DEBUG) {
		char words[64];
		sw_debug("shm pool: %d bytes, seals %s, %s", size,
			 sw_seals_to_string(seals, words, sizeof(words)),
			 (seals & F_SEAL_SHRINK) ? "unguarded (F_SEAL_SHRINK, file >= pool), fd kept"
						 : "guarded against SIGBUS, fd closed");
	}
	return;

err_mapping:
	mapping_unref(pool->mapping);
err_pool:
	free(pool);
err_fd_charge:
	if (keep_fd)
		sw_account_release(account, SW_BUDGET_FDS, 1);
err_fd:
	close(fd);
}

static const struct wl_shm_interface shm_impl = {
	.create_pool = shm_create_pool,
};

static void
shm_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(client, &wl_shm_interface, (int)version,
							  id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &shm_impl, data, NULL);
	for (size_t i = 0; i < sw_formats_count; i++) {
		if (format_advertised(&sw_formats[i]))
			wl_shm_send_format(resource, sw_formats[i].shm);
	}
}

static void
shm_display_destroyed(struct wl_listener *listener, void *data)
{
	struct sw_shm *shm = wl_container_of(listener, shm, display_destroy);
	wl_list_remove(&shm->display_destroy.link);
	wl_global_destroy(shm->global);
	sw_sigbus_uninstall();
	shm->server->shm = NULL;
	free(shm);
}

bool
sw_shm_create(struct sw_server *server)
{
	struct sw_shm *shm = calloc(1, sizeof(*shm));
	if (!shm)
		return false;
	shm->server = server;

	if (!sw_sigbus_install()) {
		free(shm);
		return false;
	}

	shm->global = wl_global_create(server->display, &wl_shm_interface, SHM_VERSION, shm,
				       shm_bind);
	if (!shm->global) {
		sw_sigbus_uninstall();
		free(shm);
		return false;
	}
	shm->display_destroy.notify = shm_display_destroyed;
	wl_display_add_destroy_listener(server->display, &shm->display_destroy);
	server->shm = shm;
	return true;
}
