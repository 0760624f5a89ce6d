/*
 * equalize.c — cross-layer equalization (Nagel et al., "Data-Free
 * Quantization Through Weight Equalization and Bias Correction", ICCV 2019,
 * section 4.1) on the float module, so that per-tensor weight quantization
 * loses less in layers whose output channels have very different ranges.
 *
 * Requires: a float module, before calibrate (a calibrated range on a value
 * it would rescale is a user error: the range would be stale).  Runs
 * ir_infer first (the dtypes and the Flatten shapes are read).
 * Produces, with the float function unchanged up to rounding: for every link
 * P -> C of two layers, P's output channel c divided by s_c (weights and
 * bias) and C's input channel c multiplied by s_c, where
 *     s_c = sqrt(r1_c / r2_c),  r1_c = max|P's weights of output channel c|,
 *                               r2_c = max|C's weights of input channel c|
 * so both ranges become sqrt(r1_c * r2_c).  A channel where either range is
 * 0 (or not finite) keeps s_c = 1.  The links are equalized in instruction
 * order, sweep after sweep, until no s_c differs from 1 by more than 1e-6 or
 * after 20 sweeps (a chain P -> D -> C shares D: it converges over sweeps).
 *
 * A layer is an f32 Conv with group 1, a depthwise Conv (group = C_in =
 * C_out, weight [C, 1, k...]: its input channel c is its output channel c),
 * or an f32 Gemm; its weight (and bias) constants must be used by it alone,
 * not be graph inputs or outputs.  A link is P's result reaching C's data
 * input through a path of ops that commute with a positive per-channel
 * scale — Relu, LeakyRelu, MaxPool, AveragePool, GlobalAveragePool, and
 * Flatten(axis 1) of [N, C, 1, ...] — where every value on the path has
 * exactly one use and is not a graph output, with C's input channels equal
 * to P's output channels.  P as a Gemm needs no bias or a constant bias of
 * N elements; C as a Gemm needs transA = 0.
 * Not linked: Clip (ReLU6: its bound would have to change per channel), a
 * fan-out, grouped convs that are not depthwise, shared or overridable
 * weights, weights that are values, anything not f32.
 * Invalidates: nothing (constants are rewritten in place, names kept).
 */
#include <math.h>
#include <string.h>

#include "passes.h"

enum { Kconv, Kdw, Kgemm };
enum { MAXSWEEP = 20 };
#define TOL 1e-6

typedef struct Layer {
	int ins, kind;
	int w, b;		/* weight and bias constants (b: -1, none) */
	int64_t nout, nin;	/* output and input channels */
	int64_t so, si, k;	/* element (o, i, j) of w is w[o*so + i*si + j], j < k */
	bool canout, canin;	/* its output / input channels may be scaled */
} Layer;

typedef struct Link {
	int p, c;		/* layer indices: producer, consumer */
} Link;

/* a constant only this operand slot reads, which we may rewrite */
static bool
owned(Module *m, Uses *u, Ref r)
{
	int k;

	if (r.kind != Rcst || m->cst[r.idx].type.dt != Df32 || m->cst[r.idx].isinput ||
	    u->cstcount[r.idx] != 1)
		return false;
	for (k = 0; k < m->nout; k++)
		if (ref_eq(m->out[k], r))
			return false;
	return true;
}

static bool
f32val(Module *m, Ref r)
{
	return r.kind == Rval && m->val[r.idx].type.dt == Df32 && !m->val[r.idx].type.q;
}

static size_t
numel(const Type *t)
{
	size_t n;

	return type_numel(t, &n) ? n : 0;
}

/* ins i as a layer; false if it is not one equalize can touch */
static bool
layerof(Module *m, Uses *u, int i, Layer *l)
{
	Ins *in = &m->ins[i];
	const Type *wt, *bt;
	int64_t g, k;
	int d;

	if ((in->op != Oconv && in->op != Ogemm) || in->nout < 1 || in->out[0] < 0 ||
	    !f32val(m, in->in[0]) || !f32val(m, ref_val(in->out[0])) || !owned(m, u, in->in[1]))
		return false;
	memset(l, 0, sizeof *l);
	l->ins = i;
	l->w = in->in[1].idx;
	l->b = -1;
	wt = &m->cst[l->w].type;
	if (in->op == Oconv) {
		if (wt->rank < 3)
			return false;
		for (k = 1, d = 2; d < wt->rank; d++)
			k *= wt->dim[d];
		g = ir_attrint(in, "group", 1);
		l->nout = wt->dim[0];
		l->k = k;
		if (g == 1) {
			l->kind = Kconv;
			l->nin = wt->dim[1];
		} else if (g == l->nout && wt->dim[1] == 1) {
			l->kind = Kdw;
			l->nin = l->nout;
		} else {
			return false;
		}
		l->so = wt->dim[1] * k;
		l->si = k;
	} else {
		if (wt->rank != 2)
			return false;
		l->kind = Kgemm;
		l->k = 1;
		if (ir_attrint(in, "transB", 0)) {
			l->nout = wt->dim[0], l->nin = wt->dim[1];
			l->so = l->nin, l->si = 1;
		} else {
			l->nout = wt->dim[1], l->nin = wt->dim[0];
			l->so = 1, l->si = l->nout;
		}
	}
	if (l->nout <= 0 || l->nin <= 0)
		return false;
	l->canin = l->kind != Kgemm || ir_attrint(in, "transA", 0) == 0;
	l->canout = true;
	if (in->nin > 2 && in->in[2].kind != Rnone) {
		bt = ir_reftype(m, in->in[2]);
		if (!owned(m, u, in->in[2]) || numel(bt) != (size_t)l->nout ||
		    (bt->rank > 1 && (bt->rank != 2 || bt->dim[0] != 1)))
			l->canout = false;
		else
			l->b = in->in[2].idx;
	}
	return true;
}

/* does op i map channel c of its operand to channel c of its result, and
 * commute with a positive scale of each channel? */
static bool
commutes(Module *m, int i)
{
	Ins *in = &m->ins[i];
	const Type *t;
	int d;

	switch (in->op) {
	case Orelu: case Oleaky_relu: case Omax_pool: case Oaverage_pool:
	case Oglobal_average_pool:
		return true;
	case Oflatten:
		t = ir_reftype(m, in->in[0]);
		if (ir_attrint(in, "axis", 1) != 1 || !t || t->rank < 2)
			return false;
		for (d = 2; d < t->rank; d++)
			if (t->dim[d] != 1)
				return false;
		return true;
	default:
		return false;
	}
}

/* the value v and where it goes: must be ours alone, and not calibrated */
static bool
privateval(Module *m, Uses *u, int v)
{
	if (u->count[v] != 1 || ir_isoutput(m, v) || m->val[v].type.dt != Df32 || m->val[v].type.q)
		return false;
	return true;
}

static void
checkrange(Module *m, int v)
{
	if (m->val[v].type.hasrange)
		ir_error(m, &m->ins[m->val[v].def], "equalize after calibrate: the range of %%%s "
		    "would be stale (run equalize before calibrate)", m->val[v].name);
}

/* the instruction P's result reaches through commuting ops, or -1 */
static int
follow(Module *m, Uses *u, int p)
{
	int v = m->ins[p].out[0], i, k;

	for (;;) {
		if (!privateval(m, u, v))
			return -1;
		i = u->user[v][0];
		if (!commutes(m, i))
			return ref_eq(m->ins[i].in[0], ref_val(v)) ? i : -1;
		if (!ref_eq(m->ins[i].in[0], ref_val(v)) || m->ins[i].out[0] < 0)
			return -1;
		for (k = 1; k < m->ins[i].nout; k++)
			if (m->ins[i].out[k] >= 0 && (u->count[m->ins[i].out[k]] ||
			    ir_isoutput(m, m->ins[i].out[k])))
				return -1;
		v = m->ins[i].out[0];
	}
}

static void
checkpath(Module *m, Uses *u, int p, int c)
{
	int v = m->ins[p].out[0];

	for (;;) {
		checkrange(m, v);
		if (u->user[v][0] == c)
			return;
		v = m->ins[u->user[v][0]].out[0];
	}
}

static double
outrange(Module *m, const Layer *l, int64_t c)
{
	const float *w = m->cst[l->w].data;
	int64_t i, j;
	double r = 0;

	for (i = 0; i < (l->kind == Kdw ? 1 : l->nin); i++)
		for (j = 0; j < l->k; j++)
			r = fmax(r, fabs(w[c * l->so + i * l->si + j]));
	return r;
}

static double
inrange(Module *m, const Layer *l, int64_t c)
{
	const float *w = m->cst[l->w].data;
	int64_t o, j;
	double r = 0;

	if (l->kind == Kdw)
		return outrange(m, l, c);
	for (o = 0; o < l->nout; o++)
		for (j = 0; j < l->k; j++)
			r = fmax(r, fabs(w[o * l->so + c * l->si + j]));
	return r;
}

static void
scaleout(Module *m, const Layer *l, int64_t c, double f)
{
	float *w = m->cst[l->w].data;
	int64_t i, j, x;

	for (i = 0; i < (l->kind == Kdw ? 1 : l->nin); i++)
		for (j = 0; j < l->k; j++) {
			x = c * l->so + i * l->si + j;
			w[x] = (float)(w[x] * f);
		}
	if (l->b >= 0) {
		float *b = m->cst[l->b].data;
		b[c] = (float)(b[c] * f);
	}
}

static void
scalein(Module *m, const Layer *l, int64_t c, double f)
{
	float *w = m->cst[l->w].data;
	int64_t o, j, x;

	if (l->kind == Kdw) {
		for (j = 0; j < l->k; j++) {
			x = c * l->so + j;
			w[x] = (float)(w[x] * f);
		}
		return;
	}
	for (o = 0; o < l->nout; o++)
		for (j = 0; j < l->k; j++) {
			x = o * l->so + c * l->si + j;
			w[x] = (float)(w[x] * f);
		}
}

/* one pass of link k over its channels; true if some scale was applied */
static bool
equalizelink(Module *m, const Layer *p, const Layer *c)
{
	double r1, r2, s;
	int64_t ch;
	bool changed = false;

	for (ch = 0; ch < p->nout; ch++) {
		r1 = outrange(m, p, ch);
		r2 = inrange(m, c, ch);
		if (!(r1 > 0 && r2 > 0) || !isfinite(r1) || !isfinite(r2))
			continue;
		s = sqrt(r1 / r2);
		if (!isfinite(s) || fabs(s - 1) <= TOL)
			continue;
		scaleout(m, p, ch, 1 / s);
		scalein(m, c, ch, s);
		changed = true;
	}
	return changed;
}

void
equalize(Module *m)
{
	Arena *a;
	Uses *u;
	Layer *layer, lp, lc;
	Link *link;
	int *lof, nlayer = 0, nlink = 0, i, c, sweep, k;
	bool changed;

	ir_infer(m);
	a = arena_new();
	u = ir_uses(m, a);
	layer = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *layer);
	link = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *link);
	lof = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *lof);
	for (i = 0; i < m->nins; i++)
		lof[i] = -1;
	for (i = 0; i < m->nins; i++) {
		if (!layerof(m, u, i, &lp) || !lp.canout)
			continue;
		c = follow(m, u, i);
		if (c < 0 || !layerof(m, u, c, &lc) || !lc.canin || lc.nin != lp.nout)
			continue;
		checkpath(m, u, i, c);
		if (lof[i] < 0)
			layer[lof[i] = nlayer++] = lp;
		if (lof[c] < 0)
			layer[lof[c] = nlayer++] = lc;
		link[nlink].p = lof[i];
		link[nlink].c = lof[c];
		nlink++;
	}
	for (sweep = 0; sweep < MAXSWEEP; sweep++) {
		changed = false;
		for (k = 0; k < nlink; k++)
			if (equalizelink(m, &layer[link[k].p], &layer[link[k].c]))
				changed = true;
		if (!changed)
			break;
	}
	arena_free(a);
}
