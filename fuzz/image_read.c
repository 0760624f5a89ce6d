/* image_read.c — fuzz target: a JPEG or PNG through the image decoder of
 * calibration datasets (frontend/datafile.h: image_read; fuzz.h). */
#include "fuzz.h"
#include "../frontend/datafile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".png");
	Arena *a;
	int w, h;

	if (setjmp(fuzz_jmp) == 0) {
		fuzz_start();
		a = arena_new();
		(void)image_read(path, a, &w, &h);
		arena_free(a);
		fuzz_end();
	} else {
		fuzz_cleanup();
	}
	return 0;
}
