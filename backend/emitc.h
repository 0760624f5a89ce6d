/*
 * emitc.h — the C backend (--emit=c, doc/emitc.md): a module quantized for
 * --target=systolic (normally -O2) as standalone C99.
 *
 *   emit_c   writes path (the .c) and its header (path with ".c" replaced
 *            by ".h", or ".h" appended) through ir/outfile.h, the header
 *            first.  Everything that can fail for a reason of the module
 *            (not quantized for systolic, an opaque op, an op without a C
 *            helper, a dynamic shape) is a user error (error / ir_error,
 *            one line, exit 1) raised before either file is created; so is
 *            a path that is "-" or a directory.  m is not modified.
 *            If stats is not NULL it receives the arena size and its lower
 *            bound (the most activation bytes live at once), in bytes, and
 *            the number of fallback convs.  path NULL: only the checks and
 *            the stats, no file (for --report).
 */
#ifndef SQC_EMITC_H
#define SQC_EMITC_H

#include <stddef.h>

#include "../ir/ir.h"

typedef struct EmitCStats {
	size_t arena;		/* bytes of the static activation arena */
	size_t lower;		/* the largest set of simultaneously live bytes */
	int nfallback;		/* convs run by the runtime/ fallback loop */
	const char *fallbacks;	/* one "node 'N' (Op): reason\n" line each, in
				 * m's arena ("" for none) */
} EmitCStats;

void emit_c(Module *m, const char *path, EmitCStats *stats);

#endif
