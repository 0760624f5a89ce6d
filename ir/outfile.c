/*
 * outfile.c — write-to-temporary-then-rename outputs (see outfile.h).
 *
 * The temporary lives next to the target so the final rename(2) is atomic and
 * never crosses file systems.  A target that exists and is not a regular file
 * (/dev/null, a FIFO) is written directly: renaming onto it would replace it.  Cleanup runs from atexit (error() exits with
 * status 1) and from a handler for SIGINT/SIGTERM/SIGHUP, which removes the
 * temporary and re-raises the signal with its default action.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "outfile.h"

static char *tmppath;		/* the pending temporary, or NULL */
static char *finalpath;
static FILE *outf;
static volatile sig_atomic_t committing;

static void
cleanup(void)
{
	if (tmppath && !committing)
		unlink(tmppath);
}

static void
onsignal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

FILE *
outfile_open(const char *path)
{
	static bool hooked;
	const char *slash;
	size_t dirlen;
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return stdout;
	if (tmppath)
		die("outfile_open: %s is still open", tmppath);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		error(path, "is a directory; give a file name with -o");
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device or FIFO (/dev/null, a pipe): write to it directly;
		 * renaming a temporary onto it would replace the device */
		outf = fopen(path, "wb");
		if (!outf)
			error(path, "cannot open output: %s", strerror(errno));
		finalpath = xmalloc(strlen(path) + 1);
		strcpy(finalpath, path);
		return outf;
	}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	tmppath = xmalloc(dirlen + 32);
	memcpy(tmppath, path, dirlen);
	strcpy(tmppath + dirlen, ".sqc-tmp-XXXXXX");
	if (!hooked) {
		atexit(cleanup);
		signal(SIGINT, onsignal);
		signal(SIGTERM, onsignal);
		signal(SIGHUP, onsignal);
		hooked = true;
	}
	fd = mkstemp(tmppath);
	if (fd < 0) {
		int e = errno;
		free(tmppath);
		tmppath = NULL;
		if (e == ENOENT)
			error(path, "cannot create output: directory does not exist");
		error(path, "cannot create output: %s", strerror(e));
	}
	fchmod(fd, 0644 & ~umask(umask(0)));
	outf = fdopen(fd, "wb");
	if (!outf)
		error(path, "cannot open output: %s", strerror(errno));
	finalpath = xmalloc(strlen(path) + 1);
	strcpy(finalpath, path);
	return outf;
}

void
outfile_commit(void)
{
	if (!tmppath && outf) {	/* a device or FIFO, written directly */
		if (fflush(outf) != 0 || ferror(outf) || fclose(outf) != 0)
			error(finalpath, "write failed: %s", strerror(errno));
		outf = NULL;
		free(finalpath);
		finalpath = NULL;
		return;
	}
	if (!tmppath) {
		if (fflush(stdout) != 0 || ferror(stdout))
			error("<stdout>", "write failed: %s", strerror(errno));
		return;
	}
	if (fflush(outf) != 0 || ferror(outf))
		error(finalpath, "write failed: %s", strerror(errno));
	if (fclose(outf) != 0)
		error(finalpath, "write failed: %s", strerror(errno));
	outf = NULL;
	if (rename(tmppath, finalpath) != 0)
		error(finalpath, "cannot move output into place: %s", strerror(errno));
	committing = 1;
	free(tmppath);
	tmppath = NULL;
	committing = 0;
	free(finalpath);
	finalpath = NULL;
}
