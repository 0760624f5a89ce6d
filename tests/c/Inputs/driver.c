/*
 * driver.c — test driver for --emit=c output named model.c / model.h (one
 * graph input, one graph output).  Plain C99 with stdio; a test's tool, not
 * part of the generated code.
 *
 *   driver IN.npy OUT.bin          model_run on a float32 .npy input (C
 *                                  order, MODEL_IN0_SIZE elements); writes
 *                                  the float32 output raw (little-endian)
 *   driver --int8 IN.npy OUT.bin   the same through model_run_int8: the
 *                                  input quantized here with MODEL_IN0_SCALE
 *                                  and _ZERO_POINT (round half to even,
 *                                  saturated; ONNX QuantizeLinear), the
 *                                  output codes dequantized with
 *                                  MODEL_OUT0_SCALE and _ZERO_POINT
 *   driver --twice IN.npy OUT.bin  model_run twice (determinism: the second
 *                                  run's output is written)
 * Exit status 1 with a message on any error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#if MODEL_NUM_INPUTS != 1 || MODEL_NUM_OUTPUTS != 1
#error "driver.c runs models with one input and one output"
#endif

static float x[MODEL_IN0_SIZE], y[MODEL_OUT0_SIZE];

static void
fail(const char *what, const char *path)
{
	fprintf(stderr, "driver: %s: %s\n", path, what);
	exit(1);
}

static void
readnpy(const char *path)
{
	unsigned char h[10];
	char *hdr;
	size_t len;
	FILE *f = fopen(path, "rb");

	if (!f)
		fail("cannot open", path);
	if (fread(h, 1, 10, f) != 10 || memcmp(h, "\x93NUMPY", 6) != 0)
		fail("not a .npy file", path);
	if (h[6] == 1) {
		len = (size_t)h[8] | (size_t)h[9] << 8;
	} else {
		unsigned char b[2];
		if (fread(b, 1, 2, f) != 2)
			fail("truncated", path);
		len = (size_t)h[8] | (size_t)h[9] << 8 | (size_t)b[0] << 16 | (size_t)b[1] << 24;
	}
	hdr = calloc(len + 1, 1);
	if (!hdr || fread(hdr, 1, len, f) != len)
		fail("truncated header", path);
	if (!strstr(hdr, "'<f4'") || !strstr(hdr, "'fortran_order': False"))
		fail("needs float32 data in C order", path);
	free(hdr);
	if (fread(x, sizeof x[0], MODEL_IN0_SIZE, f) != MODEL_IN0_SIZE || fgetc(f) != EOF)
		fail("wrong element count", path);
	fclose(f);
}

static void
writeraw(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(y, sizeof y[0], MODEL_OUT0_SIZE, f) != MODEL_OUT0_SIZE || fclose(f) != 0)
		fail("cannot write", path);
}

#ifdef MODEL_IN0_SCALE
static int8_t xq[MODEL_IN0_SIZE], yq[MODEL_OUT0_SIZE];

static void
run_int8(void)
{
	size_t k;
	float v;

	for (k = 0; k < MODEL_IN0_SIZE; k++) {
		v = nearbyintf(x[k] / MODEL_IN0_SCALE) + MODEL_IN0_ZERO_POINT;
		xq[k] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
	}
	model_run_int8(xq, yq);
	for (k = 0; k < MODEL_OUT0_SIZE; k++)
		y[k] = (float)(yq[k] - MODEL_OUT0_ZERO_POINT) * MODEL_OUT0_SCALE;
}
#endif

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--int8") == 0) {
#ifdef MODEL_IN0_SCALE
		readnpy(argv[2]);
		run_int8();
		writeraw(argv[3]);
		return 0;
#else
		fail("the model has no int8 entry point", argv[0]);
#endif
	}
	if (argc == 4 && strcmp(argv[1], "--twice") == 0) {
		readnpy(argv[2]);
		model_run(x, y);
		memset(y, 0, sizeof y);
		model_run(x, y);
		writeraw(argv[3]);
		return 0;
	}
	if (argc != 3)
		fail("usage: driver [--int8 | --twice] IN.npy OUT.bin", argv[0]);
	readnpy(argv[1]);
	model_run(x, y);
	writeraw(argv[2]);
	return 0;
}
