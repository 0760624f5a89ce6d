/*
 * tensorproto.h — the element data of an ONNX TensorProto, shared by the
 * model reader (frontend/onnx.c: initializers, tensor attributes) and the
 * tensor-file reader (frontend/tensorio.c: .pb files).
 *
 * tensorproto_data sets *data to numel elements of dt, nbytes bytes in the
 * packed layout of Cst.data (Dstr: an array of numel Bytes), from t's
 * raw_data or its typed field.  Arrays whose layout already matches are used
 * in place when aligned (the message must outlive the data: unpack it into
 * the same arena); the narrow types (i8 u8 i16 u16 bool f16 bf16, one per
 * int32) and u32 are converted into a.  The caller has checked dt, dims and
 * that the data is not external or segmented.  On a size mismatch it
 * returns false with *got = the bytes (Dstr: the strings) t holds; string
 * data in raw_data returns false with *got = SIZE_MAX.
 */
#ifndef SQC_TENSORPROTO_H
#define SQC_TENSORPROTO_H

#include "onnx.pb-c.h"

#include "../ir/ir.h"

bool tensorproto_data(const Onnx__TensorProto *t, DType dt, size_t numel,
    size_t nbytes, Arena *a, void **data, size_t *got);

#endif
