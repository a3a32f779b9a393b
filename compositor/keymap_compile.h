#ifndef SW_KEYMAP_COMPILE_H
#define SW_KEYMAP_COMPILE_H

#include <stddef.h>

/*
 * Compiles a client's XKB keymap text and returns xkbcommon's own rendering
 * of it (malloc'd, NUL-terminated), or NULL with a reason in `why`.
 *
 * The compile runs in a child process: libxkbcommon leaks on syntax errors
 * and has crashed on malformed keymaps (1.5.0 dereferences NULL on
 * "key <K> {, [a] }"), and a keymap can name a file that blocks. A crash,
 * a leak or a hang stays in the child, which is killed after `timeout_ms`.
 * Includes resolve in `xkb_base` only, never $HOME or the environment.
 */
/* Room enough for any reason `why` gets. */
#define SW_KEYMAP_COMPILE_WHY_SIZE 320

char *sw_keymap_compile(const char *text, const char *xkb_base, int timeout_ms, char *why,
			size_t why_size);

#endif
