/*
 * main.c — runs the digits model compiled by `sqc --emit=c` (make example).
 *
 *   cc -std=c99 -I<dir of digits.h> -Iruntime digits.c examples/digits/main.c \
 *       build/libsqcrt.a -lm -o digits
 *   ./digits IMAGES.f32 LOGITS.f32
 *
 * IMAGES.f32 holds whole batches of the compiled batch size (DIGITS_IN0_SIZE
 * floats each: [batch][1][16][16], raw float32); LOGITS.f32 gets the logits
 * of every batch (DIGITS_OUT0_SIZE floats each).  The model code itself does
 * no I/O and no allocation; this driver does both.
 */
#include <stdio.h>
#include <stdlib.h>

#include "digits.h"

static float x[DIGITS_IN0_SIZE], y[DIGITS_OUT0_SIZE];

int
main(int argc, char **argv)
{
	FILE *in, *out;
	long n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: digits IMAGES.f32 LOGITS.f32\n");
		return 2;
	}
	if (!(in = fopen(argv[1], "rb")) || !(out = fopen(argv[2], "wb"))) {
		perror("digits");
		return 1;
	}
	while (fread(x, sizeof x[0], DIGITS_IN0_SIZE, in) == DIGITS_IN0_SIZE) {
		digits_run(x, y);
		if (fwrite(y, sizeof y[0], DIGITS_OUT0_SIZE, out) != DIGITS_OUT0_SIZE) {
			perror("digits");
			return 1;
		}
		n++;
	}
	if (fclose(out) != 0) {
		perror("digits");
		return 1;
	}
	fclose(in);
	printf("digits: %ld batches\n", n);
	return 0;
}
