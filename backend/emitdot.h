/*
 * emitdot.h — the module as a Graphviz graph (--emit=dot), for pictures of
 * what the passes did.  backend/emitdot.c says what is drawn.
 *
 *   emit_dot   writes one `digraph` to f.  The output depends on the module
 *              only (deterministic).  Write errors are left in f's error
 *              flag for the caller (outfile_commit reports them).
 */
#ifndef SQC_EMITDOT_H
#define SQC_EMITDOT_H

#include <stdio.h>

#include "../ir/ir.h"

void emit_dot(Module *m, FILE *f);

#endif
