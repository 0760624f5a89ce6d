/*
 * fplan.h — the arguments of the float ops' runtime calls, computed once
 * for the interpreter (exec/op_*.c) and the C backend (backend/emitc.c), so
 * that `sqc run` and the generated C call the same function with the same
 * arguments (the way exec/sysconv.h does it for the quantized nhwc conv).
 *
 * Each takes the instruction and its operand and result tensors.  Only the
 * shapes and dtypes are read, except where a function says it reads an
 * operand's data (ReduceMean's axes, Gather's indices, Clip's bounds: the C
 * backend passes the constants' data and gives up on anything else).  What
 * no kernel can run (a bad attribute, shapes that do not fit, a result type
 * shape inference got wrong) is a node error via ir_error.
 *
 *   fplan_conv      Conv (f32, 1 to 3 spatial dims, groups, pads, auto_pad,
 *                   strides, dilations; b may be NULL): fills p for 1-D and
 *                   2-D (rt_conv2d) or p3 for 3-D (rt_conv3d); returns the
 *                   number of spatial dims.  p->act is false.
 *   fplan_gemm      Gemm: returns whether C is used (present, non-empty,
 *                   beta != 0); p->beta is 0 when it is not
 *   fplan_matmul    MatMul with NumPy broadcasting of the batch dims and
 *                   ONNX's 1-D operands; also the quantized matmuls' batches
 *   fplan_binary    Add Sub Mul Div Pow: the dims and rank b takes part with
 *                   (opset < 7's broadcast/axis attributes resolved)
 *   fplan_clip      Clip's bounds as doubles (reads the data of lo, hi when
 *                   present; the opset < 11 attributes override them)
 *   fplan_softmax   Softmax as [outer][n][inner] along the normalised axis
 *                   (opset < 13: the flattened 2-D form)
 *   fplan_reduce_mean  ReduceMean's axis mask (reads axes' data); false when
 *                   the op is the identity (no axes and noop_with_empty_axes)
 *   fplan_gather    Gather as [outer][n][inner]: returns the indices, read
 *                   from it and normalised into [0, n), allocated from a
 */
#ifndef SQC_FPLAN_H
#define SQC_FPLAN_H

#include "../ir/ir.h"
#include "../runtime/conv.h"
#include "../runtime/matmul.h"

int fplan_conv(const Module *m, const Ins *in, const Tensor *x,
    const Tensor *w, const Tensor *b, const Tensor *y, RtConv *p,
    RtConv3 *p3);
bool fplan_gemm(const Module *m, const Ins *in, const Tensor *a,
    const Tensor *b, const Tensor *c, const Tensor *y, RtGemm *p);
void fplan_matmul(const Module *m, const Ins *in, const Tensor *a,
    const Tensor *b, const Tensor *y, RtMatMul *p);
void fplan_binary(const Module *m, const Ins *in, const Tensor *a,
    const Tensor *b, const Tensor *c, int64_t *bdim, int *brank);
void fplan_clip(const Module *m, const Ins *in, const Tensor *lo,
    const Tensor *hi, double *l, double *h);
void fplan_softmax(const Module *m, const Ins *in, const Tensor *x,
    const Tensor *y, int64_t *outer, int64_t *n, int64_t *inner);
bool fplan_reduce_mean(const Module *m, const Ins *in, const Tensor *x,
    const Tensor *axes, const Tensor *y, unsigned *mask);
const int64_t *fplan_gather(const Module *m, const Ins *in, const Tensor *x,
    const Tensor *it, const Tensor *y, Arena *a, int64_t *outer, int64_t *n,
    int64_t *inner);

#endif
