/*
 * backend.h — everything that turns a Module into bytes.
 *
 *   emit_onnx   a ModelProto (backend/emitonnx.c).  Streams to f; returns
 *               false on a write error (the caller reports it).  A quantized
 *               module (doc/quantization.md section 8) is lowered to the ops
 *               its Module.target runs: QLinear* / com.microsoft ops
 *               (ONNX_QOPS, what emit_onnx writes), or ONNX Runtime's QDQ
 *               format, float ops between DequantizeLinear and
 *               QuantizeLinear (ONNX_QDQ, --format=qdq).
 *   ir_print    (ir/print.c) writes the textual IR for --emit=ir/--dump-ir.
 */
#ifndef SQC_BACKEND_H
#define SQC_BACKEND_H

#include <stdio.h>

#include "../ir/ir.h"

typedef enum OnnxFormat {
	ONNX_QOPS,	/* quantized ops as QLinearConv, QGemm, ... */
	ONNX_QDQ,	/* quantized ops as DequantizeLinear -> op -> QuantizeLinear */
} OnnxFormat;

bool emit_onnx(Module *m, FILE *f);	/* emit_onnx_format(m, f, ONNX_QOPS) */
bool emit_onnx_format(Module *m, FILE *f, OnnxFormat fmt);

#endif
