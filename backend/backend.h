/*
 * backend.h — everything that turns a Module into bytes.
 *
 *   emit_onnx   a ModelProto (backend/emitonnx.c).  Streams to f; returns
 *               false on a write error (the caller reports it).
 *   ir_print    (ir/print.c) writes the textual IR for --emit=ir/--dump-ir.
 */
#ifndef SQC_BACKEND_H
#define SQC_BACKEND_H

#include <stdio.h>

#include "../ir/ir.h"

bool emit_onnx(Module *m, FILE *f);

#endif
