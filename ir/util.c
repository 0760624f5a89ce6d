/*
 * util.c — diagnostics, checked allocation, arenas, whole-file reads and
 * shortest round-trip float formatting.  See util.h for the contracts.
 *
 * error() runs the exit hooks registered with atexit (ir/outfile.c
 * removes unfinished output there) because it leaves through exit(1); in a
 * sanitized build it also turns off the leak check at exit (see below).
 *
 * Fuzzing (make fuzz, fuzz/, doc/fuzzing.md): built with -DSQC_FUZZ, error()
 * does not exit while sqc_fuzz_jmp is set: it formats the message (printed
 * only if sqc_fuzz_verbose is set), releases the error lock and longjmps to
 * *sqc_fuzz_jmp, so a libFuzzer target can go on to its next input.  What the
 * abandoned reader still held is freed by the target (fuzz/common.c).  The
 * normal and sanitized builds have no SQC_FUZZ and always exit(1).
 */
#include <errno.h>
#include <pthread.h>
#ifdef SQC_FUZZ
#include <setjmp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Calibration reports errors from worker threads too: the first thread to
 * report takes this lock for good, so exactly one message is printed and
 * one exit runs; the others block until the process ends. */
static pthread_mutex_t errorlock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Leak checking (make check SANITIZE=1, doc/decisions.md): a process that
 * leaves through error() may still hold memory that only its callers' frames
 * pointed to (arenas are not torn down on the way out), and exit frees it.
 * LeakSanitizer asks __lsan_is_turned_off at exit: yes after error(), no
 * otherwise, so a successful run must free everything it allocated.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SQC_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQC_LSAN 1
#endif
#endif

#ifdef SQC_LSAN
static volatile int leaving_on_error;

int __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return leaving_on_error;
}
#endif

#ifdef SQC_FUZZ
jmp_buf *sqc_fuzz_jmp;		/* where error() returns to; NULL: exit(1) */
int sqc_fuzz_verbose;		/* print the messages that error() swallows */

static noreturn void
fuzzerror(const char *where, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);	/* format even when quiet */
	if (sqc_fuzz_verbose)
		fprintf(stderr, "%s: error: %s\n", where ? where : "sqc", msg);
	pthread_mutex_unlock(&errorlock);
	longjmp(*sqc_fuzz_jmp, 1);
}
#endif

void
verror(const char *where, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&errorlock);
#ifdef SQC_FUZZ
	if (sqc_fuzz_jmp)
		fuzzerror(where, fmt, ap);
#endif
	fflush(stdout);
	fprintf(stderr, "%s: error: ", where ? where : "sqc");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
#ifdef SQC_LSAN
	leaving_on_error = 1;
#endif
	exit(1);
}

void
error(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(where, fmt, ap);
}

void
warn(const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", where ? where : "sqc");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
die_(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "sqc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p;

	p = malloc(n ? n : 1);
	if (!p)
		error(NULL, "out of memory (allocating %zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p;

	p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		error(NULL, "out of memory (allocating %zu x %zu bytes)", n, sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		error(NULL, "out of memory (allocating %zu bytes)", n);
	return p;
}

bool
mulover(size_t a, size_t b, size_t *r)
{
	if (a && b > SIZE_MAX / a)
		return true;
	*r = a * b;
	return false;
}

/*
 * Arena: a list of chunks.  Small blocks are cut from the current chunk;
 * a block larger than a quarter chunk gets a chunk of its own, so big
 * tensors never waste the tail of a shared chunk.
 */
enum { CHUNK = 1 << 16, ALIGN = 16 };

typedef struct Chunk Chunk;
struct Chunk {
	Chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char mem[];
};

struct Arena {
	Chunk *head;	/* current small-block chunk first */
	size_t total;
};

Arena *
arena_new(void)
{
	return xcalloc(1, sizeof(Arena));
}

void
arena_free(Arena *a)
{
	Chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static Chunk *
newchunk(size_t size)
{
	Chunk *c;

	if (size > SIZE_MAX - sizeof(Chunk))
		error(NULL, "out of memory (allocating %zu bytes)", size);
	c = malloc(sizeof(Chunk) + size);
	if (!c)
		error(NULL, "out of memory (allocating %zu bytes)", size);
	c->size = size;
	c->used = 0;
	return c;
}

void *
arena_alloc_raw(Arena *a, size_t n)
{
	Chunk *c;
	void *p;

	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n == 0)
		n = ALIGN;
	a->total += n;
	c = a->head;
	if (c && c->size - c->used >= n && n > CHUNK / 4) {
		/* a big block that fits the current chunk (kept by arena_reset) */
		p = c->mem + c->used;
		c->used += n;
		return p;
	}
	if (n > CHUNK / 4) {
		/* a private chunk, linked behind the current one */
		c = newchunk(n);
		c->used = n;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = NULL;
			a->head = c;
			/* full: the next small block starts a new chunk */
		}
		return c->mem;
	}
	c = a->head;
	if (!c || c->size - c->used < n) {
		c = newchunk(CHUNK);
		c->next = a->head;
		a->head = c;
	}
	p = c->mem + c->used;
	c->used += n;
	return p;
}

void *
arena_alloc(Arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);

	memset(p, 0, n ? (n + ALIGN - 1) & ~(size_t)(ALIGN - 1) : ALIGN);
	return p;
}

void
arena_reset(Arena *a)
{
	Chunk *c, *next, *keep = NULL;

	for (c = a->head; c; c = next) {
		next = c->next;
		if (!keep || c->size > keep->size) {
			if (keep)
				free(keep);
			keep = c;
		} else {
			free(c);
		}
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->total = 0;
}

size_t
arena_used(const Arena *a)
{
	return a->total;
}

char *
arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *
arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void *
arena_memdup(Arena *a, const void *p, size_t n)
{
	void *q;

	q = arena_alloc(a, n);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *
arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *p;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		die("bad format %s", fmt);
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

uint8_t *
readfile(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *buf;
	size_t cap, n, r;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		error(path, "cannot open: %s", strerror(errno));
	cap = 1 << 16;
	buf = xmalloc(cap + 1);
	n = 0;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			if (cap > SIZE_MAX / 2 - 1)
				error(path, "file is too large");
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f))
		error(path, "cannot read: %s", strerror(errno));
	if (f != stdin)
		fclose(f);
	buf[n] = 0;	/* a NUL sentinel for text lexers */
	*len = n;
	return buf;
}

void
fmtfloat(char *buf, size_t n, float f)
{
	int prec;

	for (prec = 1; prec <= 9; prec++) {
		snprintf(buf, n, "%.*g", prec, (double)f);
		if (strtof(buf, NULL) == f)
			return;
	}
}

void
fmtdouble(char *buf, size_t n, double d)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* NameMap: FNV-1a hashed, linear probing, never more than half full. */
struct NameMap {
	Arena *a;
	size_t cap, n;
	const char **key;
	int *val;
};

static uint64_t
hashstr(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

NameMap *
namemap_new(Arena *a, size_t expect)
{
	NameMap *nm;

	nm = arena_alloc(a, sizeof *nm);
	nm->a = a;
	nm->cap = 16;
	while (nm->cap < 2 * expect + 2)
		nm->cap *= 2;
	nm->key = arena_alloc(a, nm->cap * sizeof(char *));
	nm->val = arena_alloc(a, nm->cap * sizeof(int));
	return nm;
}

int
namemap_get(const NameMap *nm, const char *key)
{
	size_t i;

	for (i = hashstr(key) & (nm->cap - 1); nm->key[i]; i = (i + 1) & (nm->cap - 1))
		if (strcmp(nm->key[i], key) == 0)
			return nm->val[i];
	return -1;
}

bool
namemap_put(NameMap *nm, const char *key, int v)
{
	const char **okey;
	int *oval;
	size_t ocap, i, j;

	if (namemap_get(nm, key) >= 0)
		return false;
	if (2 * (nm->n + 1) > nm->cap) {
		okey = nm->key;
		oval = nm->val;
		ocap = nm->cap;
		nm->cap *= 2;
		nm->key = arena_alloc(nm->a, nm->cap * sizeof(char *));
		nm->val = arena_alloc(nm->a, nm->cap * sizeof(int));
		for (j = 0; j < ocap; j++) {
			if (!okey[j])
				continue;
			for (i = hashstr(okey[j]) & (nm->cap - 1); nm->key[i]; i = (i + 1) & (nm->cap - 1))
				;
			nm->key[i] = okey[j];
			nm->val[i] = oval[j];
		}
	}
	for (i = hashstr(key) & (nm->cap - 1); nm->key[i]; i = (i + 1) & (nm->cap - 1))
		;
	nm->key[i] = key;
	nm->val[i] = v;
	nm->n++;
	return true;
}

int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
sys_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 0;
	return (size_t)pages * (size_t)size;
}
