/*
 * qtensor.c — quantize, dequantize, requantize and code clamping over
 * tensors (contract in qtensor.h), element by element through qkern.h.
 */
#include "qkern.h"
#include "qtensor.h"

static int32_t
ld(const void *p, bool u8, size_t k)
{
	return u8 ? ((const uint8_t *)p)[k] : ((const int8_t *)p)[k];
}

static void
st(void *p, bool u8, size_t k, int32_t v)
{
	if (u8)
		((uint8_t *)p)[k] = (uint8_t)v;
	else
		((int8_t *)p)[k] = (int8_t)v;
}

void
sqc_quantize(const float *x, size_t outer, size_t n, size_t inner,
    const float *scale, const int32_t *zero, bool u8, void *y)
{
	size_t o, c, i, k = 0;

	for (o = 0; o < outer; o++)
		for (c = 0; c < n; c++)
			for (i = 0; i < inner; i++, k++)
				st(y, u8, k, rq_quantize(x[k], scale[c], zero[c], u8));
}

void
sqc_dequantize(const void *x, int xdt, size_t outer, size_t n, size_t inner,
    const float *scale, const int32_t *zero, float *y)
{
	size_t o, c, i, k = 0;
	int32_t q;

	for (o = 0; o < outer; o++)
		for (c = 0; c < n; c++)
			for (i = 0; i < inner; i++, k++) {
				q = xdt == SQC_Q_I32 ? ((const int32_t *)x)[k] :
				    ld(x, xdt == SQC_Q_U8, k);
				y[k] = rq_dequantize(q, scale[c], zero[c]);
			}
}

void
sqc_requantize(size_t n, bool xu8, const void *x, float sx, int32_t zx,
    bool yu8, float sy, int32_t zy, void *y)
{
	size_t k;

	for (k = 0; k < n; k++)
		st(y, yu8, k, rq_quantize(rq_dequantize(ld(x, xu8, k), sx, zx),
		    sy, zy, yu8));
}

void
sqc_clamp_codes(size_t n, bool u8, const void *x, int32_t lo, int32_t hi,
    void *y)
{
	size_t k;
	int32_t v;

	for (k = 0; k < n; k++) {
		v = ld(x, u8, k);
		st(y, u8, k, v < lo ? lo : v > hi ? hi : v);
	}
}
