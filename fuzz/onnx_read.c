/* onnx_read.c — fuzz target: an ONNX model through onnx_read, ir_verify and
 * canonicalize (fuzz.h). */
#include "fuzz.h"
#include "../frontend/frontend.h"
#include "../passes/passes.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".onnx");
	Module *m;

	if (setjmp(fuzz_jmp) == 0) {
		fuzz_start();
		m = onnx_read(path);
		ir_verify(m);
		canonicalize(m);
		ir_verify(m);
		ir_free(m);
		fuzz_end();
	} else {
		fuzz_cleanup();
	}
	return 0;
}
