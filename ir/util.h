/*
 * util.h — generic helpers every part of sqc uses: arenas, growable arrays,
 * byte strings and the two diagnostic channels.
 *
 * Diagnostics:
 *   error(where, fmt, ...)  a user's mistake (bad model, bad flag, bad file):
 *                           prints "WHERE: error: MSG" (or "sqc: error: MSG"
 *                           when where is NULL) on one line and exits 1.
 *                           Registered exit hooks (outfile.c) remove any
 *                           temporary output first, so no partial file is left.
 *   die(fmt, ...)           an internal bug: prints file:line of the caller and
 *                           aborts.  Never for conditions a user can cause.
 * Messages are lowercase, without a trailing period, and name IR entities with
 * their sigils (%value, $constant, @node).
 *
 * Memory: an Arena hands out zeroed, 16-byte aligned blocks that live until
 * arena_free.  Nothing allocated from an arena is freed piecemeal.
 */
#ifndef SQC_UTIL_H
#define SQC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define SQC_VERSION "0.1.0"	/* --version, and the producer of written models */

#define countof(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF(f, a)
#endif

/* util.c: diagnostics */
noreturn void error(const char *where, const char *fmt, ...) PRINTF(2, 3);
noreturn void verror(const char *where, const char *fmt, va_list ap);
void warn(const char *where, const char *fmt, ...) PRINTF(2, 3);
noreturn void die_(const char *file, int line, const char *fmt, ...) PRINTF(3, 4);
#define die(...) die_(__FILE__, __LINE__, __VA_ARGS__)

/* util.c: checked heap allocation (die on exhaustion is wrong for users:
 * these report "out of memory" as a user error, since sizes come from input) */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
bool mulover(size_t a, size_t b, size_t *r);	/* r = a*b; true on overflow */

/* util.c: arenas */
typedef struct Arena Arena;
Arena *arena_new(void);
void arena_free(Arena *a);
void arena_reset(Arena *a);	/* free all blocks; keeps the largest chunk for reuse */
void *arena_alloc(Arena *a, size_t n);			/* zeroed, 16-aligned */
void *arena_alloc_raw(Arena *a, size_t n);		/* not zeroed (scratch), 16-aligned */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
void *arena_memdup(Arena *a, const void *p, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) PRINTF(2, 3);
/* the machine's physical memory in bytes (0 if unknown) */
size_t sys_memory(void);
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);
size_t arena_used(const Arena *a);			/* bytes handed out */

/* util.c: growable arrays kept in a Vec header (heap, not arena) */
#define vec_push(arr, len, cap, item)                                        \
	do {                                                                  \
		if ((len) == (cap)) {                                         \
			(cap) = (cap) ? 2 * (cap) : 8;                        \
			(arr) = xrealloc((arr), (size_t)(cap) * sizeof *(arr)); \
		}                                                             \
		(arr)[(len)++] = (item);                                      \
	} while (0)

/* a byte string that may hold NULs (ONNX string attributes, blobs) */
typedef struct Bytes {
	size_t len;
	uint8_t *data;
} Bytes;

/* util.c: a string -> int map (open addressing), allocated in an arena */
typedef struct NameMap NameMap;
NameMap *namemap_new(Arena *a, size_t expect);
int namemap_get(const NameMap *nm, const char *key);	/* -1 if absent */
bool namemap_put(NameMap *nm, const char *key, int v);	/* false if present */

/* util.c: the value of a hex digit character, -1 if it is none */
int hexdigit(int c);

/* util.c: whole files */
uint8_t *readfile(const char *path, size_t *len);	/* error() on failure */

/* util.c: floats printed as the shortest decimal that reads back exactly */
void fmtfloat(char *buf, size_t n, float f);		/* buf >= 32 bytes */
void fmtdouble(char *buf, size_t n, double d);		/* buf >= 40 bytes */

#endif
