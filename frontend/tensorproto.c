/*
 * tensorproto.c — decode a TensorProto's element data (see tensorproto.h).
 */
#include <stdint.h>
#include <string.h>

#include "tensorproto.h"

/* raw_data is the storage unless only typed fields carry data */
static bool
israw(const Onnx__TensorProto *t)
{
	return t->raw_data.len > 0 || (t->has_raw_data && !t->n_float_data &&
	    !t->n_int32_data && !t->n_int64_data && !t->n_double_data &&
	    !t->n_uint64_data && !t->n_string_data);
}

/* p as the data when aligned for its elements, else a copy in a */
static void *
inplace(const void *p, size_t nbytes, Arena *a)
{
	if (nbytes == 0)
		return arena_alloc(a, 1);
	if ((uintptr_t)p % 16 == 0)
		return (void *)p;
	return arena_memdup(a, p, nbytes);
}

bool
tensorproto_data(const Onnx__TensorProto *t, DType dt, size_t numel,
    size_t nbytes, Arena *a, void **data, size_t *got)
{
	size_t es = dt == Dstr ? sizeof(Bytes) : dtype_size(dt), have, per, k;
	uint8_t *out;
	Bytes *b;

	if (israw(t)) {
		if (dt == Dstr) {
			*got = SIZE_MAX;
			return false;
		}
		*got = t->raw_data.len;
		if (t->raw_data.len != nbytes)
			return false;
		*data = inplace(t->raw_data.data, nbytes, a);
		return true;
	}

	/* typed fields: which one, and how many entries an element takes */
	per = 1;
	switch (dt) {
	case Dc64:
		per = 2;
		/* fallthrough */
	case Df32:
		have = t->n_float_data;
		break;
	case Dc128:
		per = 2;
		/* fallthrough */
	case Df64:
		have = t->n_double_data;
		break;
	case Di64:
		have = t->n_int64_data;
		break;
	case Du32:
	case Du64:
		have = t->n_uint64_data;
		break;
	case Dstr:
		have = t->n_string_data;
		break;
	default:	/* i32 and the narrow types, one per int32 */
		have = t->n_int32_data;
		break;
	}
	if (dt == Dstr) {
		*got = have;
		if (have != numel)
			return false;
		b = arena_alloc(a, nbytes ? nbytes : 1);
		for (k = 0; k < numel; k++) {
			b[k].len = t->string_data[k].len;
			b[k].data = t->string_data[k].data;
		}
		*data = b;
		return true;
	}
	*got = have * (es / per);	/* entries as bytes of the packed layout */
	if (have / per != numel || have % per)
		return false;
	switch (dt) {
	case Df32:
	case Dc64:
		*data = inplace(t->float_data, nbytes, a);
		return true;
	case Df64:
	case Dc128:
		*data = inplace(t->double_data, nbytes, a);
		return true;
	case Di64:
		*data = inplace(t->int64_data, nbytes, a);
		return true;
	case Du64:
		*data = inplace(t->uint64_data, nbytes, a);
		return true;
	case Di32:
		*data = inplace(t->int32_data, nbytes, a);
		return true;
	default:
		break;
	}
	out = arena_alloc(a, nbytes ? nbytes : 1);
	if (dt == Du32) {
		for (k = 0; k < numel; k++)
			((uint32_t *)out)[k] = (uint32_t)t->uint64_data[k];
	} else if (es == 1) {
		for (k = 0; k < numel; k++)
			out[k] = dt == Dbool ? t->int32_data[k] != 0 :
			    (uint8_t)t->int32_data[k];
	} else {	/* i16, u16, f16, bf16: the low 16 bits */
		for (k = 0; k < numel; k++)
			((uint16_t *)out)[k] = (uint16_t)t->int32_data[k];
	}
	*data = out;
	return true;
}
