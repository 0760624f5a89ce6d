/* tensor_read.c — fuzz target: a .npy or TensorProto .pb through
 * tensor_read (fuzz.h). */
#include "fuzz.h"
#include "../frontend/tensorio.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".npy");
	const char *name;
	Arena *a;
	Tensor t;

	if (setjmp(fuzz_jmp) == 0) {
		fuzz_start();
		a = arena_new();
		tensor_read(path, a, &t, &name);
		arena_free(a);
		fuzz_end();
	} else {
		fuzz_cleanup();
	}
	return 0;
}
