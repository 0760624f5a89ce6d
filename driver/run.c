/*
 * run.c — `sqc run MODEL [--input NAME=FILE]... [-o OUT]`: execute a model
 * with the interpreter and print or save its outputs.
 *
 *   read -> --input-shape -> verify -> passes (default: canonicalize, which
 *   folds shape arithmetic) -> ir_infer -> exec_new -> exec_run
 *
 * Inputs are .npy or TensorProto .pb files (frontend/tensorio.c).  --input
 * NAME=FILE binds a graph input by name; --input FILE binds by the
 * TensorProto's name, else to the first input not yet bound.  Every graph
 * input needs data.  Symbolic dims that --input-shape left open take their
 * sizes from the data (a mismatch with a fixed dim is an error).  Outputs: without -o a summary line per output (dtype,
 * shape, min, max, mean) on stdout; with -o OUT.npy (one-output models) that
 * file; with -o DIR one DIR/output_K.npy per graph output K (the ONNX test
 * data naming), each written whole or not at all.  --repeat N runs N times
 * and reports the median wall time per run on stderr (benchmarks).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../exec/exec.h"
#include "../frontend/frontend.h"
#include "../frontend/tensorio.h"
#include "../passes/passes.h"
#include "../ir/outfile.h"
#include "run.h"

static const char usage[] =
"usage: sqc run [options] MODEL\n"
"\n"
"  --input NAME=FILE      data for graph input NAME (.npy or TensorProto .pb); repeatable\n"
"  --input FILE           bind by the .pb's tensor name, else to the next unbound input\n"
"  -o OUT                 OUT.npy (one output) or a directory: OUT/output_K.npy\n"
"  --input-shape NAME=D0,D1,...  fix a graph input's symbolic dims\n"
"  --passes=A,B | -O0..2  passes before running (default: canonicalize)\n"
"  --repeat N             run N times; print the median time per run on stderr\n";

static int
inputbyname(const Module *m, const char *name)
{
	int k;

	for (k = 0; k < m->nin; k++)
		if (strcmp(m->val[m->in[k]].name, name) == 0)
			return k;
	return -1;
}

static void
noinput(const Module *m, const char *name, const char *file)
{
	char list[512];
	size_t n = 0;
	int k;

	list[0] = 0;
	for (k = 0; k < m->nin && n < sizeof list - 64; k++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s'%s'", k ? ", " : "",
		    m->val[m->in[k]].name);
	error(file, "--input names '%s', but the model's inputs are %s", name, m->nin ? list : "(none)");
}

static void
summary(const char *name, const Tensor *t)
{
	char ty[256];
	Type tt = tensor_type(t);
	double lo = INFINITY, hi = -INFINITY, sum = 0;
	size_t n = 0, k;

	type_str(ty, sizeof ty, &tt);
	if (t->dt == Df32) {
		const float *p = t->data;
		n = t->nbytes / 4;
		for (k = 0; k < n; k++) {
			lo = p[k] < lo ? p[k] : lo;
			hi = p[k] > hi ? p[k] : hi;
			sum += p[k];
		}
	}
	if (n)
		printf("%s: %s  min %.6g  max %.6g  mean %.6g\n", name, ty, lo, hi, sum / (double)n);
	else
		printf("%s: %s\n", name, ty);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
cmpdouble(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* data for an input with open dims must agree with its dtype, rank and
 * fixed dims */
static void
checkfits(const Module *m, int k, const Tensor *t)
{
	const Type *ty = &m->val[m->in[k]].type;
	Type tt = tensor_type(t);
	char want[256], got[256];
	int j;
	bool ok = t->dt == ty->dt && (ty->rank < 0 || ty->rank == t->rank);

	for (j = 0; ok && j < ty->rank; j++)
		ok = ty->dim[j] < 0 || ty->dim[j] == t->dim[j];
	if (!ok)
		error(m->path, "input '%s' needs %s, got %s", m->val[m->in[k]].name,
		    type_str(want, sizeof want, ty), type_str(got, sizeof got, &tt));
}

/* "NAME=D0,D1,..." for fix_input_shape */
static const char *
shapespec(Arena *a, const char *name, const Tensor *t)
{
	char *s = arena_printf(a, "%s=", name);
	int k;

	for (k = 0; k < t->rank; k++)
		s = arena_printf(a, "%s%s%lld", s, k ? "," : "", (long long)t->dim[k]);
	return s;
}

static void
writenpy(const char *path, const Tensor *t)
{
	FILE *f = outfile_open(path);

	if (!tensor_write_npy(f, t))
		error(path, "write failed: %s", strerror(errno));
	outfile_commit();
}

int
run_main(int argc, char **argv)
{
	const char *model = NULL, *out = NULL, *passes = "canonicalize", *v;
	const char *inspec[256], *shapes[64];
	int nins = 0, nshapes = 0, repeat = 1, i, k;
	Module *m;
	Arena *a;
	Tensor *inputs;
	const Tensor **outputs;
	bool *bound;
	Exec *e;
	PassOpts po = {0};

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(s, "--input") == 0 || strncmp(s, "--input=", 8) == 0) {
			v = s[7] == '=' ? s + 8 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				error(NULL, "--input needs NAME=FILE or FILE");
			if (nins == (int)countof(inspec))
				error(NULL, "too many --input options");
			inspec[nins++] = v;
		} else if (strcmp(s, "--input-shape") == 0 || strncmp(s, "--input-shape=", 14) == 0) {
			v = s[13] == '=' ? s + 14 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				error(NULL, "--input-shape needs NAME=D0,D1,...");
			if (nshapes == (int)countof(shapes))
				error(NULL, "too many --input-shape options");
			shapes[nshapes++] = v;
		} else if (strcmp(s, "-o") == 0) {
			if (i + 1 >= argc)
				error(NULL, "-o needs a file or directory name");
			out = argv[++i];
		} else if (strncmp(s, "--passes=", 9) == 0) {
			passes = s + 9;
		} else if (s[0] == '-' && s[1] == 'O' && s[2] >= '0' && s[2] <= '9' && !s[3]) {
			passes = pipeline_for_level(s[2] - '0');
		} else if (strcmp(s, "--repeat") == 0 || strncmp(s, "--repeat=", 9) == 0) {
			v = s[8] == '=' ? s + 9 : (i + 1 < argc ? argv[++i] : NULL);
			repeat = v ? atoi(v) : 0;
			if (repeat < 1 || repeat > 100000)
				error(NULL, "--repeat needs a count from 1 to 100000");
		} else if (s[0] == '-' && s[1]) {
			error(NULL, "unknown option '%s' for sqc run (see sqc run --help)", s);
		} else {
			if (model)
				error(NULL, "more than one model ('%s' and '%s')", model, s);
			model = s;
		}
	}
	if (!model)
		error(NULL, "no model (usage: sqc run [options] MODEL; see sqc run --help)");
	pipeline_check(passes);

	m = module_read(model);
	for (k = 0; k < nshapes; k++)
		fix_input_shape(m, shapes[k]);
	ir_verify(m);

	/* bind inputs */
	a = arena_new();
	inputs = arena_alloc(a, (size_t)(m->nin + 1) * sizeof *inputs);
	bound = arena_alloc(a, (size_t)(m->nin + 1));
	for (i = 0; i < nins; i++) {
		const char *eq = strchr(inspec[i], '='), *file = eq ? eq + 1 : inspec[i], *pbname;
		Tensor t;
		if (eq) {
			char *name = arena_strndup(a, inspec[i], (size_t)(eq - inspec[i]));
			k = inputbyname(m, name);
			if (k < 0)
				noinput(m, name, file);
			tensor_read(file, a, &t, &pbname);
		} else {
			tensor_read(file, a, &t, &pbname);
			k = pbname[0] ? inputbyname(m, pbname) : -1;
			if (k < 0 || bound[k])
				for (k = 0; k < m->nin && bound[k]; k++)
					;
			if (k == m->nin)
				error(file, "every graph input already has data; name one with --input NAME=FILE");
		}
		if (bound[k])
			error(file, "input '%s' is given twice", m->val[m->in[k]].name);
		bound[k] = true;
		inputs[k] = t;
	}
	for (k = 0; k < m->nin; k++)
		if (!bound[k])
			error(model, "input '%s' has no data; give it with --input %s=FILE.npy",
			    m->val[m->in[k]].name, m->val[m->in[k]].name);
	/* symbolic dims left open take their sizes from the data */
	for (k = 0; k < m->nin; k++)
		if (!type_static(&m->val[m->in[k]].type)) {
			checkfits(m, k, &inputs[k]);
			fix_input_shape(m, shapespec(a, m->val[m->in[k]].name, &inputs[k]));
		}
	pipeline_run(m, passes, &po);
	ir_infer(m);
	ir_verify(m);

	e = exec_new(m);
	outputs = arena_alloc(a, (size_t)(m->nout + 1) * sizeof *outputs);
	{
		double *t = arena_alloc(a, (size_t)repeat * sizeof *t), t0;
		for (i = 0; i < repeat; i++) {
			t0 = now();
			exec_run(e, inputs, outputs);
			t[i] = now() - t0;
		}
		if (repeat > 1) {
			qsort(t, (size_t)repeat, sizeof *t, cmpdouble);
			fprintf(stderr, "run: %d runs, median %.3f ms, min %.3f ms, activations %zu bytes\n",
			    repeat, 1e3 * t[repeat / 2], 1e3 * t[0], exec_arena_size(e));
		}
	}

	if (!out) {
		for (k = 0; k < m->nout; k++)
			summary(ir_refname(m, m->out[k]), outputs[k]);
	} else {
		size_t len = strlen(out);
		struct stat st;
		if (len > 4 && strcmp(out + len - 4, ".npy") == 0) {
			if (m->nout != 1)
				error(out, "the model has %d outputs; give a directory to -o", m->nout);
			writenpy(out, outputs[0]);
		} else {
			if (stat(out, &st) != 0) {
				if (mkdir(out, 0777) != 0)
					error(out, "cannot create output directory: %s", strerror(errno));
			} else if (!S_ISDIR(st.st_mode)) {
				error(out, "is not a directory; use OUT.npy for one output or a directory");
			}
			for (k = 0; k < m->nout; k++)
				writenpy(arena_printf(a, "%s/output_%d.npy", out, k), outputs[k]);
		}
	}
	exec_free(e);
	arena_free(a);
	ir_free(m);
	return 0;
}
