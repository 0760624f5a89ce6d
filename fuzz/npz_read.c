/* npz_read.c — fuzz target: an .npz through npz_open, then npz_read of
 * every member (fuzz.h). */
#include "fuzz.h"
#include "../frontend/tensorio.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".npz");
	Arena *a;
	Npz *z;
	Tensor t;
	int k;

	if (setjmp(fuzz_jmp) == 0) {
		fuzz_start();
		a = arena_new();
		z = npz_open(path, a);
		for (k = 0; k < npz_count(z); k++) {
			(void)npz_name(z, k);
			npz_read(z, k, a, &t);
		}
		arena_free(a);
		fuzz_end();
	} else {
		fuzz_cleanup();
	}
	return 0;
}
