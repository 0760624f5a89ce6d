/*
 * sysconv.h — one decision for a quantized nhwc conv (doc/systolic.md),
 * shared by the interpreter (exec/op_systolic.c) and the C backend
 * (backend/emitc.c) so that both pick the same kernel with the same
 * geometry.
 *
 *   sysconv_plan  fills c from conv instruction in's operand and result
 *                 types and attributes (weight layout hwio, ckk or oihw;
 *                 dims; strides, dilations, pads; the fused relu and pool;
 *                 the pooled result size), raising a node error for what
 *                 no kernel can run (a bad group, auto_pad, a result shape
 *                 that does not match, bad pool attributes).  Returns NULL
 *                 when Gemmini's tiled_conv_auto (hwio) or
 *                 tiled_conv_dw_auto (ckk) computes it exactly, else why
 *                 not (a phrase: the runtime's sqc_conv_nhwc runs it).
 */
#ifndef SQC_SYSCONV_H
#define SQC_SYSCONV_H

#include "../ir/ir.h"
#include "../runtime/nhwc.h"

const char *sysconv_plan(const Module *m, const Ins *in, SqcConvNhwc *c);

#endif
