/*
 * calibrate.c — the calibrate pass: observe the float model on a dataset
 * and attach a range to every f32 activation (doc/calibration.md).
 *
 * Requires: a float module whose shapes ir_infer can make static (the
 *           interpreter runs it); passcfg.calib (a dataset) or a valid
 *           passcfg.calib_table.
 * Produces: Type.hasrange/lo/hi on every f32 graph input and f32
 *           instruction result that has at least one finite element; the
 *           table file when --calib-table names a file that does not exist.
 * Invalidates: nothing.  The graph is unchanged; types gain ranges, and
 *           ir_infer (which the interpreter needs) fills in every value's
 *           dtype and shape.
 *
 * Which values: every f32 graph input and every f32 instruction result
 * (constants are weights and are not calibrated).  Their statistics
 * (calibstats.h) are gathered by passcfg.jobs threads (0 = online cores),
 * each with its own Exec, over the samples it takes from a shared counter;
 * the module is read-only meanwhile.  The statistics of a set of samples
 * are unique whatever the split and order (integer histograms on a grid
 * fixed by the largest magnitude), so -j1 and -jN give identical ranges and
 * identical table bytes.  With --calib-table FILE: a FILE whose graph hash
 * matches is read instead of running; a FILE of another graph is refused;
 * otherwise the statistics are computed and FILE written (temp + rename).
 * A progress line goes to stderr when it is a terminal, nothing otherwise.
 * calibrate_stats() (calibtable.h) keeps the statistics of the last run
 * for the tune pass, which picks a range method per tensor from them.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../exec/exec.h"
#include "../frontend/dataset.h"
#include "calibstats.h"
#include "calibtable.h"
#include "passes.h"

typedef struct Run {
	Module *m;
	Dataset *d;
	int n;			/* samples */
	const int *slot;	/* per value: its statistics slot, or -1 */
	int nslot;
	atomic_int next;	/* the next sample to take */
	pthread_mutex_t mu;	/* guards done, last and the progress line */
	int done;
	bool tty;
	double t0, last;
} Run;

typedef struct Worker {
	Run *r;
	Exec *e;
	CalibStats *st;		/* nslot */
	const Tensor **outs;	/* m->nout, filled by exec_run */
	pthread_t tid;
} Worker;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
observe(Worker *w, int val, const Tensor *t)
{
	int s = w->r->slot[val];

	if (s >= 0 && t->dt == Df32)
		calibstats_add(&w->st[s], t->data, t->nbytes / sizeof(float));
}

static void
hook(void *arg, int ins, const Tensor *const *y)
{
	Worker *w = arg;
	const Ins *in = &w->r->m->ins[ins];
	int k;

	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0 && y[k])
			observe(w, in->out[k], y[k]);
}

/* "calibrate: [#####-----]  37/100 samples, 12.3/s, ETA 5s" (mu held) */
static void
progress(Run *r)
{
	enum { W = 24 };
	char bar[W + 1];
	double t = now(), el = t - r->t0, rate;
	int k, fill;

	if (r->done < r->n && t - r->last < 0.1)
		return;
	r->last = t;
	fill = (int)((int64_t)r->done * W / r->n);
	for (k = 0; k < W; k++)
		bar[k] = k < fill ? '#' : '-';
	bar[W] = 0;
	rate = el > 0 ? r->done / el : 0;
	fprintf(stderr, "\rcalibrate: [%s] %d/%d samples, %.1f/s", bar, r->done, r->n, rate);
	if (r->done < r->n && rate > 0)
		fprintf(stderr, ", ETA %.0fs  ", (r->n - r->done) / rate);
	else
		fputs("          ", stderr);
	if (r->done == r->n)
		fputc('\n', stderr);
	fflush(stderr);
}

static void *
work(void *arg)
{
	Worker *w = arg;
	Run *r = w->r;
	const Module *m = r->m;
	Tensor *in;
	Arena *a;
	int i, k;

	for (;;) {
		i = atomic_fetch_add(&r->next, 1);
		if (i >= r->n)
			break;
		a = arena_new();
		in = arena_alloc(a, (size_t)(m->nin ? m->nin : 1) * sizeof *in);
		dataset_load(r->d, i, a, in);
		for (k = 0; k < m->nin; k++)
			observe(w, m->in[k], &in[k]);
		exec_run(w->e, in, w->outs);
		arena_free(a);
		pthread_mutex_lock(&r->mu);
		r->done++;
		if (r->tty)
			progress(r);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

static int
jobcount(int n)
{
	long j = passcfg.jobs;

	if (j <= 0)
		j = sysconf(_SC_NPROCESSORS_ONLN);
	if (j < 1)
		j = 1;
	if (j > n)
		j = n;
	if (j > 256)
		j = 256;
	return (int)j;
}

/* run the dataset through the model; t->st gets the statistics */
static void
gather(Module *m, const int *slot, CalibTable *t)
{
	DatasetOpts o = {passcfg.calib_limit, passcfg.preprocess, passcfg.channel_order};
	Worker *w;
	Run r;
	int nj, j, s;

	memset(&r, 0, sizeof r);
	r.m = m;
	r.slot = slot;
	r.nslot = t->n;
	r.d = dataset_open(passcfg.calib, m, &o);
	r.n = dataset_count(r.d);
	if (r.n <= 0)
		error(passcfg.calib, "the calibration dataset has no samples");
	atomic_init(&r.next, 0);
	pthread_mutex_init(&r.mu, NULL);
	r.tty = isatty(STDERR_FILENO);
	nj = jobcount(r.n);
	w = xcalloc((size_t)nj, sizeof *w);
	for (j = 0; j < nj; j++) {
		w[j].r = &r;
		w[j].e = exec_new(m);
		w[j].st = j == 0 ? t->st : xmalloc((size_t)t->n * sizeof *w[j].st);
		w[j].outs = xcalloc((size_t)(m->nout ? m->nout : 1), sizeof *w[j].outs);
		for (s = 0; s < t->n; s++)
			calibstats_init(&w[j].st[s]);
		exec_hook(w[j].e, hook, &w[j]);
	}
	r.t0 = r.last = now();
	if (r.tty)
		progress(&r);
	for (j = 1; j < nj; j++)
		if ((errno = pthread_create(&w[j].tid, NULL, work, &w[j])) != 0)
			error(NULL, "cannot start a calibration thread: %s", strerror(errno));
	work(&w[0]);
	for (j = 1; j < nj; j++)
		pthread_join(w[j].tid, NULL);
	/* exact integer merge: any order gives the same statistics */
	for (j = 1; j < nj; j++) {
		for (s = 0; s < t->n; s++)
			calibstats_merge(&t->st[s], &w[j].st[s]);
		free(w[j].st);
	}
	for (j = 0; j < nj; j++) {
		exec_free(w[j].e);
		free(w[j].outs);
	}
	free(w);
	pthread_mutex_destroy(&r.mu);
	t->samples = (uint64_t)r.n;
	dataset_close(r.d);
}

/* the table's statistics in slot order; a table without some slot is
 * refused (it cannot be the table of this graph) */
static void
usetable(const CalibTable *f, const char *path, CalibTable *t, Arena *a)
{
	NameMap *nm = namemap_new(a, (size_t)f->n);
	int k, r;

	for (k = 0; k < f->n; k++)
		namemap_put(nm, f->name[k], k);
	for (k = 0; k < t->n; k++) {
		r = namemap_get(nm, t->name[k]);
		if (r < 0)
			error(path, "calibration table has no record for %%%s: delete it "
			    "to recalibrate", t->name[k]);
		t->st[k] = f->st[r];
	}
	t->samples = f->samples;
}

static Arena *kept;
static CalibTable *last;

/* a copy of t for calibrate_stats */
static void
keep(const CalibTable *t)
{
	int k;

	if (!kept)
		kept = arena_new();
	arena_reset(kept);
	last = calibtable_new(kept, t->hash, t->n);
	last->samples = t->samples;
	for (k = 0; k < t->n; k++) {
		last->name[k] = arena_strdup(kept, t->name[k]);
		last->st[k] = t->st[k];
	}
}

const CalibTable *
calibrate_stats(void)
{
	return last;
}

void
calibrate(Module *m)
{
	const char *mstr = passcfg.calib_method ? passcfg.calib_method : "minmax";
	const char *path = passcfg.calib_table;
	CalibMethod meth;
	CalibTable *t, *f = NULL;
	Arena *a = arena_new();
	int *slot, *sval, ns = 0, i, k, v;
	uint64_t hash;
	float lo, hi;
	Type *ty;

	if (!calib_parsemethod(mstr, &meth))
		error(NULL, "unknown --calib-method=%s (use minmax, percentile, "
		    "percentile:P with 0 < P <= 100, entropy or mse)", mstr);
	ir_infer(m);

	/* the values to calibrate: f32 graph inputs, then f32 results in
	 * instruction order */
	slot = arena_alloc(a, (size_t)(m->nval ? m->nval : 1) * sizeof *slot);
	sval = arena_alloc(a, (size_t)(m->nval ? m->nval : 1) * sizeof *sval);
	for (v = 0; v < m->nval; v++)
		slot[v] = -1;
	for (k = 0; k < m->nin; k++) {
		v = m->in[k];
		if (m->val[v].type.dt == Df32 && slot[v] < 0) {
			slot[v] = ns;
			sval[ns++] = v;
		}
	}
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nout; k++) {
			v = m->ins[i].out[k];
			if (v >= 0 && m->val[v].type.dt == Df32 && slot[v] < 0) {
				slot[v] = ns;
				sval[ns++] = v;
			}
		}

	hash = calib_graphhash(m);
	t = calibtable_new(a, hash, ns);
	for (k = 0; k < ns; k++)
		t->name[k] = m->val[sval[k]].name;
	if (path)
		f = calibtable_read(path, a);
	if (f && f->hash != hash)
		error(path, "stale calibration table: it was made for graph %016" PRIx64
		    " but this model's graph is %016" PRIx64 "; delete the file (or "
		    "give another --calib-table) to recalibrate", f->hash, hash);
	if (f)
		usetable(f, path, t, a);
	else {
		if (!passcfg.calib)
			error(NULL, "calibrate needs --calib=DATA (or a --calib-table "
			    "from an earlier run)");
		gather(m, slot, t);
		if (path)
			calibtable_save(t, path);
	}

	keep(t);
	for (k = 0; k < ns; k++) {
		if (t->st[k].nonfinite)
			warn(m->path, "%%%s had %" PRIu64 " non-finite values (NaN or Inf) "
			    "during calibration; its range leaves them out",
			    t->name[k], t->st[k].nonfinite);
		if (!calib_range(&t->st[k], &meth, &lo, &hi))
			continue;
		ty = &m->val[sval[k]].type;
		ty->hasrange = true;
		ty->lo = lo;
		ty->hi = hi;
	}
	arena_free(a);
}
