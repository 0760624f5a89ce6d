/* calibtable_read.c — fuzz target: a calibration table through
 * calibtable_read, then written out and merged with a second reading of
 * itself (fuzz.h). */
#include <stdio.h>

#include "fuzz.h"
#include "../passes/calibtable.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".calib");
	CalibTable *t, *u;
	Arena *a;
	FILE *f;

	if (setjmp(fuzz_jmp) == 0) {
		fuzz_start();
		a = arena_new();
		t = calibtable_read(path, a);
		if (t) {
			f = fopen("/dev/null", "w");
			if (f) {
				calibtable_write(t, f);
				fclose(f);
			}
			u = calibtable_read(path, a);
			calibtable_merge(t, u, path);
		}
		arena_free(a);
		fuzz_end();
	} else {
		fuzz_cleanup();
	}
	return 0;
}
