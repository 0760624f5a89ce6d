/*
 * passes.h — the pass table and the pipeline driver (passes/pipeline.c).
 *
 * A pass is one function over a Module, in its own file, with a header comment
 * saying what it requires, produces and invalidates.  Passes never call each
 * other; shared analyses live in ir/.  A pipeline is a comma-separated list of
 * pass names; -O0/-O1/-O2 are named lists in the same table.
 */
#ifndef SQC_PASSES_H
#define SQC_PASSES_H

#include <stdio.h>

#include "../ir/ir.h"

typedef struct PassOpts {
	bool verify_each;		/* ir_verify after every pass */
	bool print_after_all;		/* dump to stderr after every pass */
	const char *print_after;	/* comma list of pass names to dump after */
} PassOpts;

typedef struct Pass {
	const char *name;		/* CLI name; file passes/<name without '-'>.c */
	void (*run)(Module *m);
	const char *help;
} Pass;

extern const Pass passtab[];
extern const int npasses;

/* the named pipeline of -O<level>, as a pass list ("" for none) */
const char *pipeline_for_level(int level);
/* check every name in list (error listing the known passes if one is unknown) */
void pipeline_check(const char *list);
/* run list over m with opts; errors are reported as user errors */
void pipeline_run(Module *m, const char *list, const PassOpts *opts);

/* the passes */
void canonicalize(Module *m);

#endif
