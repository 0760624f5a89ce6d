/*
 * main.c — the sqc command line: read a model, run a pass pipeline, emit.
 *
 *   read (frontend/) -> --input-shape fixes -> verify -> passes (passes/)
 *   -> verify -> --dump-ir (stdout) and/or --emit=onnx|ir|dot (-o, via outfile.c)
 *   or --emit=c (-o FILE.c and FILE.h, backend/emitc.c)
 *
 * Every user mistake ends in one error line and exit status 1, and no output
 * file is created or replaced unless the whole run succeeds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/backend.h"
#include "../backend/emitc.h"
#include "../backend/emitdot.h"
#include "../frontend/frontend.h"
#include "../passes/passes.h"
#include "../passes/calibtable.h"
#include "../ir/outfile.h"
#include "run.h"

static const char usage[] =
"usage: sqc [options] MODEL\n"
"       sqc run [options] MODEL      execute a model (sqc run --help)\n"
"       sqc merge-calib TABLE... -o OUT   merge calibration tables of dataset shards\n"
"\n"
"MODEL is an ONNX file or textual IR (.sqir); '-' reads textual IR from stdin.\n"
"\n"
"pipeline:\n"
"  -O0, -O1, -O2          named pass pipelines (default -O0: import and emit unchanged)\n"
"  --passes=A,B,...       run exactly these passes (overrides -O)\n"
"  --input-shape NAME=D0,D1,...  fix a graph input's shape (repeatable)\n"
"calibration (the calibrate pass):\n"
"  --calib=DATA           dataset: dir of test_data_set_*/input_K.pb, .npy, .npz, or images\n"
"  --calib-table=FILE     reuse FILE if it matches the model, else write it\n"
"  --calib-method=M       minmax | percentile[:P] | entropy | mse\n"
"  --calib-limit=N        use at most N samples\n"
"  -j N                   calibration threads (default: all cores)\n"
"  --preprocess=P         images: caffe | caffe2 | mxnet | rcnn | none\n"
"  --channel-order=O      images: rgb | bgr\n"
"quantization (the quantize pass; -O1 and -O2 run it):\n"
"  --target=T             systolic (default: the Systolic runtime, int8, zero point 0)\n"
"                         | ort (stock ONNX Runtime: QLinear and com.microsoft ops)\n"
"  --mode=M               int8 (default; symmetric) | uint8 (asymmetric; --target=ort)\n"
"  --per-channel          weights with one scale per output channel (--target=ort)\n"
"  --bias-correction      conv/gemm biases absorb the mean weight-rounding error (--calib)\n"
"  --io-layout=L          nchw (default) | nhwc: -O2's graph inputs and outputs in NHWC\n"
"                         instead of a transpose at each edge (--target=systolic)\n"
"  --dynamic              quantize only Conv/MatMul/Gemm; their inputs scaled at run time\n"
"  --report[=FILE]        per quantized tensor: scale, range, clipped %, SQNR and max error\n"
"                         vs the float model on the --calib samples (FILE: .csv or .json)\n"
"  --keep-float=PATTERN   leave nodes float: a node name (* ? wildcards) or an op type;\n"
"                         repeatable\n"
"  --float-regions        keep norm chains, hard-swish/sigmoid gates and softmax inputs\n"
"                         float (-O2 always does)\n"
"-O2's measured choices (the tune pass; need --calib samples; --report lists them):\n"
"  --min-sqnr=DB          mixed precision: keep the worst layers float until the output\n"
"                         SQNR on the samples reaches DB (default 20; 0 = never)\n"
"output:\n"
"  --emit=onnx|ir|dot|c   write an ONNX model, textual IR, a Graphviz graph, or\n"
"                         standalone C (-o FILE.c, and FILE.h; -O2 systolic modules)\n"
"                         (needs -o for onnx and c)\n"
"  --format=F             quantized ONNX as qops (default: QLinear ops) or qdq\n"
"                         (DequantizeLinear -> float op -> QuantizeLinear)\n"
"  -o FILE                output file ('-' = stdout for --emit=ir)\n"
"  --dump-ir[=full]       print the final IR to stdout; '=full' prints every constant\n"
"debugging:\n"
"  --print-after=P[,P]    print the IR to stderr after these passes\n"
"  --print-after-all      print the IR to stderr after every pass\n"
"  --verify-each          run the IR verifier after every pass\n"
"  --list-passes          list the passes and the -O pipelines\n"
"  --help, --version\n";

static void
listpasses(void)
{
	int k;

	for (k = 0; k < npasses; k++)
		printf("  %-16s %s\n", passtab[k].name, passtab[k].help);
	for (k = 0; k <= 2; k++)
		printf("  -O%d = %s\n", k, *pipeline_for_level(k) ? pipeline_for_level(k) : "(no passes)");
}

/* "--flag=value" or "--flag value": returns the value or NULL if a doesn't match */
static const char *
optval(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	const char *a = argv[*i];

	if (strncmp(a, flag, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != 0)
		return NULL;
	if (*i + 1 >= argc)
		error(NULL, "%s needs a value (see sqc --help)", flag);
	return argv[++*i];
}

/* a positive count for a numeric option */
static int
count(const char *v, const char *flag)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < 1 || n > 1000000)
		error(NULL, "%s needs a positive whole number, not '%s'", flag, v);
	return (int)n;
}

int
main(int argc, char **argv)
{
	const char *input = NULL, *out = NULL, *emit = NULL, *passes = NULL, *v;
	const char *shapes[64], *keep[256], *report_file = NULL;
	bool want_report = false;
	int nshapes = 0, nkeep = 0, level = 0, dump = 0, i;
	PassOpts po = {0};
	EmitCStats cstats = {0};
	OnnxFormat fmt = ONNX_QOPS;
	Module *m;
	FILE *f;

	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "merge-calib") == 0)
		return merge_calib_main(argc - 1, argv + 1);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("sqc %s\n", SQC_VERSION);
			return 0;
		} else if (strcmp(a, "--list-passes") == 0) {
			listpasses();
			return 0;
		} else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '9' && a[3] == 0) {
			level = a[2] - '0';
			pipeline_for_level(level);
		} else if (strcmp(a, "-o") == 0) {
			if (i + 1 >= argc)
				error(NULL, "-o needs a file name");
			out = argv[++i];
		} else if ((v = optval(argc, argv, &i, "--emit"))) {
			if (strcmp(v, "onnx") != 0 && strcmp(v, "ir") != 0 && strcmp(v, "dot") != 0 &&
			    strcmp(v, "c") != 0)
				error(NULL, "unknown --emit=%s (use --emit=onnx, ir, dot or c)", v);
			emit = v;
		} else if ((v = optval(argc, argv, &i, "--passes"))) {
			passes = v;
		} else if (strcmp(a, "--dump-ir") == 0) {
			dump = 1;
		} else if (strcmp(a, "--dump-ir=full") == 0) {
			dump = 2;
		} else if (strncmp(a, "--dump-ir=", 10) == 0) {
			error(NULL, "unknown %s (use --dump-ir or --dump-ir=full)", a);
		} else if ((v = optval(argc, argv, &i, "--print-after"))) {
			po.print_after = v;
		} else if (strcmp(a, "--print-after-all") == 0) {
			po.print_after_all = true;
		} else if (strcmp(a, "--verify-each") == 0) {
			po.verify_each = true;
		} else if ((v = optval(argc, argv, &i, "--calib"))) {
			passcfg.calib = v;
		} else if ((v = optval(argc, argv, &i, "--calib-table"))) {
			passcfg.calib_table = v;
		} else if ((v = optval(argc, argv, &i, "--calib-method"))) {
			passcfg.calib_method = v;
		} else if ((v = optval(argc, argv, &i, "--calib-limit"))) {
			passcfg.calib_limit = count(v, "--calib-limit");
		} else if ((v = optval(argc, argv, &i, "-j"))) {
			passcfg.jobs = count(v, "-j");
		} else if (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9') {
			passcfg.jobs = count(a + 2, "-j");
		} else if ((v = optval(argc, argv, &i, "--preprocess"))) {
			passcfg.preprocess = v;
		} else if ((v = optval(argc, argv, &i, "--channel-order"))) {
			passcfg.channel_order = v;
		} else if ((v = optval(argc, argv, &i, "--target"))) {
			if (strcmp(v, "systolic") != 0 && strcmp(v, "ort") != 0)
				error(NULL, "unknown --target=%s (use systolic or ort)", v);
			passcfg.target = v;
		} else if ((v = optval(argc, argv, &i, "--mode"))) {
			if (strcmp(v, "int8") != 0 && strcmp(v, "uint8") != 0)
				error(NULL, "unknown --mode=%s (use int8 or uint8)", v);
			passcfg.qmode = strcmp(v, "uint8") == 0;	/* Qu8 */
			passcfg.mode_set = true;
		} else if ((v = optval(argc, argv, &i, "--format"))) {
			if (strcmp(v, "qdq") == 0)
				fmt = ONNX_QDQ;
			else if (strcmp(v, "qops") == 0)
				fmt = ONNX_QOPS;
			else
				error(NULL, "unknown --format=%s (use qops or qdq)", v);
		} else if (strcmp(a, "--report") == 0) {
			want_report = true;
		} else if (strncmp(a, "--report=", 9) == 0) {
			want_report = true;
			report_file = a + 9;
		} else if ((v = optval(argc, argv, &i, "--io-layout"))) {
			if (strcmp(v, "nhwc") != 0 && strcmp(v, "nchw") != 0)
				error(NULL, "unknown --io-layout=%s (use nchw or nhwc)", v);
			passcfg.io_nhwc = strcmp(v, "nhwc") == 0;
		} else if (strcmp(a, "--per-channel") == 0) {
			passcfg.per_channel = true;
		} else if (strcmp(a, "--bias-correction") == 0) {
			passcfg.bias_correction = true;
		} else if (strcmp(a, "--float-regions") == 0) {
			passcfg.float_regions = true;
		} else if ((v = optval(argc, argv, &i, "--min-sqnr"))) {
			char *end;
			errno = 0;
			passcfg.min_sqnr = strtod(v, &end);
			if (end == v || *end || errno || !(passcfg.min_sqnr >= 0) ||
			    passcfg.min_sqnr > 200)
				error(NULL, "--min-sqnr needs a number of dB from 0 to 200, not '%s'", v);
			passcfg.min_sqnr_set = true;
		} else if (strcmp(a, "--dynamic") == 0) {
			passcfg.dynamic = true;
		} else if ((v = optval(argc, argv, &i, "--keep-float"))) {
			if (nkeep == (int)countof(keep))
				error(NULL, "too many --keep-float options");
			keep[nkeep++] = v;
			passcfg.keep_float = keep;
			passcfg.nkeep_float = nkeep;
		} else if ((v = optval(argc, argv, &i, "--input-shape"))) {
			if (nshapes == (int)countof(shapes))
				error(NULL, "too many --input-shape options");
			shapes[nshapes++] = v;
		} else if (a[0] == '-' && a[1] != 0) {
			error(NULL, "unknown option '%s' (see sqc --help)", a);
		} else {
			if (input)
				error(NULL, "more than one input model ('%s' and '%s')", input, a);
			input = a;
		}
	}
	if (!input)
		error(NULL, "no input model (usage: sqc [options] MODEL; see sqc --help)");
	if (!passes)
		passes = pipeline_for_level(level);
	pipeline_check(passes);
	if (emit && strcmp(emit, "onnx") == 0 && !out)
		error(NULL, "--emit=onnx needs an output file: -o FILE");
	if (out && !emit)
		emit = "onnx";
	if (emit && strcmp(emit, "onnx") == 0 && strcmp(out, "-") == 0)
		error(NULL, "--emit=onnx writes binary data; give a file with -o, not '-'");
	if (emit && strcmp(emit, "c") == 0 && (!out || strcmp(out, "-") == 0))
		error(NULL, "--emit=c writes two files (.c and .h); give a file with -o FILE.c");

	if (want_report && !passcfg.calib)
		error(NULL, "--report needs the calibration data: --calib=DATA");
	m = module_read(input);
	for (i = 0; i < nshapes; i++)
		fix_input_shape(m, shapes[i]);
	ir_verify(m);
	pipeline_run(m, passes, &po);
	ir_verify(m);

	if (want_report && emit && strcmp(emit, "c") == 0)
		emit_c(m, NULL, &cstats);	/* the checks and the plan, no file */
	if (want_report) {	/* before any output file: a failure leaves none */
		report(input, m, shapes, nshapes, report_file, passes);
		if (emit && strcmp(emit, "c") == 0)
			printf("# C arena: %zu bytes (lower bound %zu: the most "
			    "activation bytes live at once)\n# C kernel fallbacks: %d\n%s",
			    cstats.arena, cstats.lower, cstats.nfallback, cstats.fallbacks);
	}
	if (emit && strcmp(emit, "c") == 0) {
		emit_c(m, out, NULL);
	} else if (emit) {
		f = outfile_open(out ? out : "-");
		if (strcmp(emit, "onnx") == 0) {
			if (!emit_onnx_format(m, f, fmt))
				error(out, "write failed: %s", strerror(errno));
		} else if (strcmp(emit, "dot") == 0) {
			emit_dot(m, f);
		} else {
			ir_print(m, f, PRINT_FULL);
		}
		outfile_commit();
	}
	if (dump || (!emit && !want_report)) {
		if (dump || !out)
			ir_print(m, stdout, dump == 2 ? PRINT_FULL : 0);
		if (fflush(stdout) != 0)
			error("<stdout>", "write failed");
	}
	ir_free(m);
	return 0;
}
