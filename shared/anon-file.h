#ifndef SW_ANON_FILE_H
#define SW_ANON_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* How a client-side (or compositor-side) shared memory file is made. */
enum sw_alloc_method {
	SW_ALLOC_MEMFD_SEALED, /* memfd, sealed SHRINK|GROW|SEAL: the recommended way */
	SW_ALLOC_MEMFD,        /* memfd without seals: the compositor must guard reads */
	SW_ALLOC_POSIX_SHM,    /* shm_open, unlinked at once: no seals possible */
};

const char *sw_alloc_method_name(enum sw_alloc_method method);

/*
 * Create a file of exactly `size` bytes whose pages are allocated up front
 * (posix_fallocate, so a full tmpfs fails here rather than as SIGBUS later),
 * sealed according to `method`. Returns the fd (O_CLOEXEC) or -1 with errno
 * set; a message naming the failing step is logged.
 */
int sw_anon_file_create(size_t size, enum sw_alloc_method method);

/*
 * Create a memfd holding a copy of `data`, sealed SHRINK|GROW|WRITE|SEAL so no
 * one can change it, and return a read-only fd on it (a new open file
 * description, so the receiver cannot even mmap it writable). Used for
 * keymaps and dma-buf format tables.
 */
int sw_ro_file_create(const char *name, const void *data, size_t size);

/*
 * Read up to `size` bytes from the start of `fd` with pread: no mmap, so a
 * file shorter than its sender said cannot fault the reader. Returns the
 * bytes read (fewer at the end of the file) or -1 with errno set.
 */
ssize_t sw_file_read_all(int fd, void *buf, size_t size);

/* Format F_GET_SEALS bits as words, e.g. "SHRINK GROW SEAL" or "none". */
const char *sw_seals_to_string(int seals, char *buf, size_t len);

#endif
