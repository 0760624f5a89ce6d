/*
 * pipeline.c — the pass table, the -O levels, and the loop that runs a pass
 * list with --verify-each and --print-after.
 *
 * A pipeline is data: a comma-separated list of names from passtab.  The -O
 * levels are such lists.  Dumps after a pass go to stderr behind a banner that
 * is an IR comment ("# -- after canonicalize --"), so a dump parses again.
 */
#include <string.h>

#include "passes.h"

PassConfig passcfg;
PassLog passlog;

const Pass passtab[] = {
	{"canonicalize", canonicalize,
	    "import clean-up: Constant to the constant table, drop Identity/Dropout, "
	    "fold BatchNormalization into Conv, normalise Clip, infer shapes, fold shape arithmetic"},
	{"equalize", equalize,
	    "cross-layer equalization of conv/gemm pairs (through Relu, pools): "
	    "per-channel weight ranges evened out, float function unchanged"},
	{"calibrate", calibrate,
	    "run the float model on --calib data and attach a range to every f32 "
	    "activation (--calib-method, --calib-table)"},
	{"quantize", quantize,
	    "rewrite quantizable ops into their int8/uint8 form for --target "
	    "(--mode, --per-channel, --keep-float); quantize/dequantize at the edges"},
	{"propagate-quant", propagate_quant,
	    "the seed's range adjustments (Relu, Relu->MaxPool, Clip), scales through "
	    "pass-through ops, dequantize->quantize pairs removed, int32 biases"},
	{"tune", tune,
	    "-O2's quantize: candidates (float regions, bias correction, equalization, "
	    "range method per tensor, mixed precision to --min-sqnr) measured on the "
	    "--calib samples, the best kept"},
	{"layout-legalize", layout_legalize,
	    "systolic: NHWC for quantized conv/max_pool and the ops between them; "
	    "transposes only at the edges"},
	{"relu-fuse", relu_fuse,
	    "systolic: Relu/Clip(0,max) into the producing conv/matmul/gemm/add, "
	    "MaxPool into the conv where Gemmini's pooling equals ONNX's"},
	{"weight-pack", weight_pack,
	    "systolic: conv weights HWIO, depthwise [C][k][k], gemm/matmul B [K][N]; "
	    "identical constants shared"},
};
const int npasses = (int)countof(passtab);

/* -O0 imports and emits unchanged; the later issues' passes (calibrate,
 * quantize, propagate-quant; layout-legalize, relu-fuse, weight-pack) join
 * -O1 and -O2 as they land. */
static const char *levels[] = {
	"",
	"canonicalize,calibrate,quantize,propagate-quant",
	"canonicalize,calibrate,tune,layout-legalize,relu-fuse,weight-pack",
};

const char *
pipeline_for_level(int level)
{
	if (level < 0 || level >= (int)countof(levels))
		error(NULL, "unknown optimisation level -O%d (use -O0, -O1 or -O2)", level);
	return levels[level];
}

static const Pass *
findpass(const char *name, size_t len)
{
	int k;

	for (k = 0; k < npasses; k++)
		if (strlen(passtab[k].name) == len && strncmp(passtab[k].name, name, len) == 0)
			return &passtab[k];
	return NULL;
}

static void
unknownpass(const char *name, size_t len, const char *flag)
{
	char known[512];
	size_t n = 0;
	int k;

	known[0] = 0;
	for (k = 0; k < npasses && n < sizeof known - 64; k++)
		n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", k ? ", " : "", passtab[k].name);
	error(NULL, "unknown pass '%.*s' in %s (known passes: %s)", (int)len, name, flag, known);
}

/* call fn for every name in a comma list; empty items are an error */
static void
eachname(const char *list, const char *flag, void (*fn)(const Pass *, void *), void *arg)
{
	const char *p, *e;
	const Pass *ps;

	if (!list || !*list)
		return;
	for (p = list;; p = e + 1) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (e == p)
			error(NULL, "empty pass name in %s '%s'", flag, list);
		ps = findpass(p, (size_t)(e - p));
		if (!ps)
			unknownpass(p, (size_t)(e - p), flag);
		if (fn)
			fn(ps, arg);
		if (!*e)
			break;
	}
}

void
pipeline_check(const char *list)
{
	eachname(list, "--passes", NULL, NULL);
}

static bool
inlist(const char *list, const char *name)
{
	const char *p, *e;
	size_t n = strlen(name);

	if (!list)
		return false;
	for (p = list;; p = e + 1) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
			return true;
		if (!*e)
			return false;
	}
}

struct runctx {
	Module *m;
	const PassOpts *o;
};

static void
runone(const Pass *ps, void *arg)
{
	struct runctx *c = arg;

	ps->run(c->m);
	if (c->o->verify_each)
		ir_verify(c->m);
	if (c->o->print_after_all || inlist(c->o->print_after, ps->name)) {
		fflush(stdout);
		fprintf(stderr, "# -- after %s --\n", ps->name);
		ir_print(c->m, stderr, 0);
	}
}

void
pipeline_run(Module *m, const char *list, const PassOpts *o)
{
	struct runctx c = {m, o};

	if (o->print_after)
		eachname(o->print_after, "--print-after", NULL, NULL);
	eachname(list, "--passes", runone, &c);
}
