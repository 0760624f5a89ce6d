/*
 * passes.h — the pass table and the pipeline driver (passes/pipeline.c).
 *
 * A pass is one function over a Module, in its own file, with a header comment
 * saying what it requires, produces and invalidates.  Passes never call each
 * other, except tune, which like pipeline.c drives other passes (on copies
 * of the module, to measure them); shared analyses live in ir/ and in the
 * analysis files declared at the end.  A pipeline is a comma-separated list
 * of pass names; -O0/-O1/-O2 are named lists in the same table.
 */
#ifndef SQC_PASSES_H
#define SQC_PASSES_H

#include <stdio.h>

#include "../frontend/dataset.h"
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

/* Options of passes that need more than the module, set by the driver
 * before pipeline_run (QBE keeps such flags global too). */
typedef struct PassConfig {
	const char *calib;		/* --calib=DATA: dataset path (calibrate) */
	const char *calib_table;	/* --calib-table=FILE: read if valid, else write */
	const char *calib_method;	/* --calib-method=minmax|percentile[:P]|entropy|mse */
	int calib_limit;		/* --calib-limit=N (0 = all samples) */
	int jobs;			/* -j N: threads for calibration (0 = cores) */
	const char *preprocess;		/* --preprocess=... (image datasets) */
	const char *channel_order;	/* --channel-order=rgb|bgr */
	const char *target;		/* --target=systolic|ort (quantize; default systolic) */
	int qmode;			/* --mode: Qi8 (0, default) or Qu8 (qparams.h) */
	bool mode_set;			/* --mode was given */
	bool per_channel;		/* --per-channel: weights per output channel */
	bool bias_correction;		/* --bias-correction: empirical, on --calib (quantize) */
	bool io_nhwc;			/* --io-layout=nhwc: NHWC graph inputs/outputs */
	bool dynamic;			/* --dynamic: only conv/matmul/gemm, x scaled at run time */
	const char **keep_float;	/* --keep-float=PATTERN, repeatable */
	int nkeep_float;
	bool float_regions;		/* --float-regions (-O2): norm chains, gates and
					 * softmax inputs stay float (quantize) */
	const char *const *float_why;	/* per instruction of the module quantize
					 * gets: why it stays float, or NULL (set by
					 * tune for its mixed-precision choices) */
	int nfloat_why;
	double min_sqnr;		/* --min-sqnr=DB (tune), if min_sqnr_set */
	bool min_sqnr_set;
	bool tuning;			/* tune is measuring a candidate: quantize and
					 * propagate-quant keep their warnings */
} PassConfig;

/* What the passes decided, for --report: filled by quantize and tune,
 * reset by each run of them; strings live as long as the module. */
typedef struct KeptFloat {
	const char *node;		/* node name, or its first result's name */
	const char *op;			/* ONNX op type */
	const char *why;		/* reason */
	bool quantizable;		/* quantize would have quantized it */
} KeptFloat;

typedef struct PassLog {
	int nkept, capkept;
	KeptFloat *kept;		/* quantize: nodes left float, in order */
	char *tune;			/* tune: its measured decisions, text lines
					 * ("# " prefixed), NULL if it did not run */
} PassLog;
extern PassConfig passcfg;
extern PassLog passlog;

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
void equalize(Module *m);
void calibrate(Module *m);
void quantize(Module *m);
void propagate_quant(Module *m);
void layout_legalize(Module *m);
void relu_fuse(Module *m);
void weight_pack(Module *m);
void tune(Module *m);

/* analyses the passes share */
/* per instruction: why int8 requantization only hurts it (a normalisation
 * chain, a gate, a softmax input), or NULL (passes/floatregions.c) */
const char **float_regions(Module *m, Arena *a);
/* per instruction: its input channels that are 0 on every sample of d, or
 * NULL; and the rewrite zeroing the weights that read them
 * (passes/deadchannels.c) */
unsigned char **dead_find(Module *m, Dataset *d, Arena *a);
int dead_zero(Module *m, unsigned char *const *dead);

#endif
