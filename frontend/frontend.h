/*
 * frontend.h — everything that turns bytes into a Module.
 *
 *   onnx_read     an ONNX ModelProto file (frontend/onnx.c)
 *   text_read     a .sqir file, or "-" for standard input (frontend/textir.c)
 *   module_read   either, chosen by content: a file whose first non-blank
 *                 byte starts textual IR ('#', 'm', 'c', 'f') is text, anything
 *                 else is ONNX (frontend/read.c)
 *
 * Every reader either returns a module that ir_verify accepts or reports one
 * user error (file, node or line:col, what is wrong) and exits 1.
 */
#ifndef SQC_FRONTEND_H
#define SQC_FRONTEND_H

#include "../ir/ir.h"

Module *onnx_read(const char *path);
Module *text_read(const char *path);
Module *module_read(const char *path);

/* frontend/inputshape.c: --input-shape NAME=1,3,224,224.  Fixes the graph
 * input's dims and substitutes each fixed symbolic dim everywhere it occurs. */
void fix_input_shape(Module *m, const char *spec);

#endif
