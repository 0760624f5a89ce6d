/*
 * common.c — the scaffolding every fuzz target links (see fuzz.h): the
 * scratch input file, and the bookkeeping that lets a run abandoned by
 * error() give back what it held, so that millions of failing inputs
 * neither grow the heap nor run out of file descriptors.
 *
 * Heap: __sanitizer_install_malloc_and_free_hooks records every block
 * allocated while a run is in progress in a fixed-size open-addressed set
 * (the hooks run inside malloc, so the set never allocates) and forgets it
 * when it is freed.  FILEs: fopen/fclose are wrapped (-Wl,--wrap) so that
 * streams left open are fclosed before the heap is swept (freeing a FILE's
 * memory under glibc's stream list would be a use after free).  Descriptors:
 * those in the first FDSCAN slots that were closed when the run started and
 * are open after it are closed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

jmp_buf fuzz_jmp;

void __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

enum { SETBITS = 20, SETCAP = 1 << SETBITS, FDSCAN = 256, MAXFILES = 64 };

static const void *blocks[SETCAP];	/* NULL empty, TOMB deleted */
static uint32_t touched[SETCAP / 2];	/* slots in use: what forget clears */
static size_t nblocks, nused;
static int recording;
static char tomb;
#define TOMB ((const void *)&tomb)

static size_t
slot(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - SETBITS));
}

static void
mallochook(const volatile void *p, size_t n)
{
	size_t i;

	(void)n;
	if (!recording || !p || 2 * (nused + 1) > SETCAP)
		return;		/* a full set only means a leak */
	for (i = slot((const void *)p); blocks[i] && blocks[i] != TOMB;
	    i = (i + 1) & (SETCAP - 1))
		;
	if (!blocks[i])
		touched[nused++] = (uint32_t)i;
	blocks[i] = (const void *)p;
	nblocks++;
}

static void
freehook(const volatile void *p)
{
	size_t i;

	if (!nblocks || !p)
		return;
	for (i = slot((const void *)p); blocks[i]; i = (i + 1) & (SETCAP - 1))
		if (blocks[i] == (const void *)p) {
			blocks[i] = TOMB;
			nblocks--;
			return;
		}
}

static void
forget(void)
{
	size_t k;

	for (k = 0; k < nused; k++)
		blocks[touched[k]] = NULL;
	nblocks = nused = 0;
}

/* FILEs opened during the run and not closed yet */
static FILE *files[MAXFILES];
static int nfiles;

FILE *__real_fopen(const char *path, const char *mode);
int __real_fclose(FILE *f);
FILE *__wrap_fopen(const char *path, const char *mode);
int __wrap_fclose(FILE *f);

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	FILE *f = __real_fopen(path, mode);

	if (f && recording && nfiles < MAXFILES)
		files[nfiles++] = f;
	return f;
}

int
__wrap_fclose(FILE *f)
{
	int k;

	for (k = 0; k < nfiles; k++)
		if (files[k] == f) {
			files[k] = files[--nfiles];
			break;
		}
	return __real_fclose(f);
}

static unsigned char fdopen_before[FDSCAN];

static void
init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	sqc_fuzz_verbose = getenv("SQC_FUZZ_VERBOSE") != NULL;
	__sanitizer_install_malloc_and_free_hooks(mallochook, freehook);
}

const char *
fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[256];
	const char *dir;
	FILE *f;

	init();
	dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof path, "%s/sqc-fuzz-%ld%s", dir, (long)getpid(),
	    suffix);
	f = __real_fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) ||
	    __real_fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

void
fuzz_start(void)
{
	int fd;

	init();
	for (fd = 0; fd < FDSCAN; fd++)
		fdopen_before[fd] = fcntl(fd, F_GETFD) != -1;
	forget();
	nfiles = 0;
	recording = 1;
	sqc_fuzz_jmp = &fuzz_jmp;
}

void
fuzz_end(void)
{
	recording = 0;
	sqc_fuzz_jmp = NULL;
	nfiles = 0;
	forget();
}

void
fuzz_cleanup(void)
{
	const void *p;
	size_t k;
	int fd;

	recording = 0;
	sqc_fuzz_jmp = NULL;
	while (nfiles > 0)
		__wrap_fclose(files[nfiles - 1]);
	for (fd = 0; fd < FDSCAN; fd++)
		if (!fdopen_before[fd] && fcntl(fd, F_GETFD) != -1)
			close(fd);
	for (k = 0; k < nused && nblocks; k++) {
		p = blocks[touched[k]];
		if (p && p != TOMB)
			free((void *)p);	/* the hook drops it */
	}
	forget();
}
