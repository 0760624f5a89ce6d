/*
 * biascorrect.c — the arithmetic of empirical bias correction: a layer's
 * geometry (from numbers or from its instruction), the per-(input channel,
 * kernel offset) sums of its float input, the dequantized weight and the
 * per-output-channel correction E[conv(x, W - Wq)].  biascorrect.h states
 * the contract; the quantize pass runs the float model over the samples and
 * makes the corrected bias constants.
 */
#include <string.h>

#include "biascorrect.h"

static double *
zeroed(Arena *a, int64_t n)
{
	double *s = arena_alloc(a, (size_t)(n + 1) * sizeof *s);

	memset(s, 0, (size_t)(n + 1) * sizeof *s);
	return s;
}

void
bc_conv(BcPlan *p, int n, int64_t cin, int64_t cout, int64_t group,
    const int64_t *ix, const int64_t *ox, const int64_t *k, const int64_t *s,
    const int64_t *d, const int64_t *pb, Arena *a)
{
	int o = 3 - n, j;

	if (n < 1 || n > 3 || group < 1)
		die("bc_conv: %d spatial dimensions, group %lld", n, (long long)group);
	memset(p, 0, sizeof *p);
	for (j = 0; j < 3; j++) {
		p->k[j] = p->s[j] = p->d[j] = p->ix[j] = p->ox[j] = 1;
		p->pb[j] = 0;
	}
	p->kvol = 1;
	for (j = 0; j < n; j++) {
		p->ix[o + j] = ix[j];
		p->ox[o + j] = ox[j];
		p->k[o + j] = k[j];
		p->kvol *= k[j];
		if (s)
			p->s[o + j] = s[j];
		if (d)
			p->d[o + j] = d[j];
		if (pb)
			p->pb[o + j] = pb[j];
	}
	p->cin = cin;
	p->cout = cout;
	p->cing = cin / group;
	p->coutg = cout / group;
	p->sum = zeroed(a, p->cin * p->kvol);
}

void
bc_gemm(BcPlan *p, int64_t K, int64_t N, bool transb, Arena *a)
{
	memset(p, 0, sizeof *p);
	p->gemm = true;
	p->transb = transb;
	p->cin = K;
	p->cout = N;
	p->kvol = 1;
	p->sum = zeroed(a, K);
}

/* an ints attribute of in with exactly n values, else NULL */
static const int64_t *
ints(const Ins *in, const char *name, int n)
{
	const Attr *a = ir_getattr(in, name);

	return a && a->kind == Aints && a->n == n ? a->ints : NULL;
}

void
bc_plan(Module *m, const Ins *in, BcPlan *p, Arena *a)
{
	const Type *xt = ir_reftype(m, in->in[0]), *wt = ir_reftype(m, in->in[1]);
	const Type *yt = &m->val[in->out[0]].type;
	const Attr *ap = ir_getattr(in, "auto_pad");
	const int64_t *st, *dl, *pd;
	int64_t ix[3], ox[3], k[3], s[3], d[3], pb[3], ext, tot;
	int n = xt->rank - 2, j;
	bool tb;

	if (in->op == Ogemm) {
		tb = ir_attrint(in, "transB", 0) != 0;
		if (xt->dim[1] < 0)
			ir_error(m, in, "--bias-correction needs static shapes "
			    "(give --input-shape)");
		bc_gemm(p, xt->dim[1], tb ? wt->dim[0] : wt->dim[1], tb, a);
		return;
	}
	if (n < 1 || n > 3 || wt->rank != xt->rank || yt->rank != xt->rank)
		ir_error(m, in, "--bias-correction: a conv needs 1 to 3 "
		    "spatial dimensions");
	if (xt->dim[1] < 0)
		ir_error(m, in, "--bias-correction needs static shapes "
		    "(give --input-shape)");
	st = ints(in, "strides", n);
	dl = ints(in, "dilations", n);
	pd = ints(in, "pads", 2 * n);
	for (j = 0; j < n; j++) {
		ix[j] = xt->dim[2 + j];
		ox[j] = yt->dim[2 + j];
		k[j] = wt->dim[2 + j];
		s[j] = st ? st[j] : 1;
		d[j] = dl ? dl[j] : 1;
		pb[j] = pd ? pd[j] : 0;
		/* SAME_*: total padding so that ox = ceil(ix / s), the odd one
		 * at the end (UPPER) or the beginning (LOWER) */
		if (ap && ap->kind == Astr && ap->s.len >= 4 &&
		    memcmp(ap->s.data, "SAME", 4) == 0) {
			ext = (k[j] - 1) * d[j] + 1;
			tot = (ox[j] - 1) * s[j] + ext - ix[j];
			if (tot < 0)
				tot = 0;
			pb[j] = ap->s.len == 10 &&
			    memcmp(ap->s.data, "SAME_UPPER", 10) == 0
			    ? tot / 2 : tot - tot / 2;
		} else if (ap && ap->kind == Astr && ap->s.len == 5 &&
		    memcmp(ap->s.data, "VALID", 5) == 0)
			pb[j] = 0;
	}
	bc_conv(p, n, xt->dim[1], wt->dim[0], ir_attrint(in, "group", 1), ix, ox,
	    k, s, d, pb, a);
}

void
bc_add(BcPlan *p, const float *x, int64_t n)
{
	int64_t nb, c, kd, kh, kw, od, oh, ow, id, ih, iw, r, K = p->cin;
	const float *xc;
	double *sc;

	if (p->gemm) {
		for (r = 0; r < n; r++)
			for (c = 0; c < K; c++)
				p->sum[c] += x[r * K + c];
		p->npos += (double)n;
		return;
	}
	for (nb = 0; nb < n; nb++)
		for (c = 0; c < p->cin; c++) {
			xc = x + (nb * p->cin + c) * p->ix[0] * p->ix[1] * p->ix[2];
			sc = p->sum + c * p->kvol;
			for (kd = 0; kd < p->k[0]; kd++)
			for (kh = 0; kh < p->k[1]; kh++)
			for (kw = 0; kw < p->k[2]; kw++, sc++)
				for (od = 0; od < p->ox[0]; od++) {
					id = od * p->s[0] + kd * p->d[0] - p->pb[0];
					if (id < 0 || id >= p->ix[0])
						continue;
					for (oh = 0; oh < p->ox[1]; oh++) {
						ih = oh * p->s[1] + kh * p->d[1] - p->pb[1];
						if (ih < 0 || ih >= p->ix[1])
							continue;
						for (ow = 0; ow < p->ox[2]; ow++) {
							iw = ow * p->s[2] + kw * p->d[2] - p->pb[2];
							if (iw >= 0 && iw < p->ix[2])
								*sc += xc[(id * p->ix[1] + ih) *
								    p->ix[2] + iw];
						}
					}
				}
		}
	p->npos += (double)(n * p->ox[0] * p->ox[1] * p->ox[2]);
}

bool
bc_dequantized(QMode mode, const float *w, const int64_t *dim, int rank,
    int axis, float *wq, Arena *a)
{
	int64_t n = 1, inner = 1, e, ch;
	int nq, j;
	float *scale;
	int32_t *zero, qv;
	void *q;

	for (j = 0; j < rank; j++)
		n *= dim[j];
	for (j = axis + 1; axis >= 0 && j < rank; j++)
		inner *= dim[j];
	nq = axis < 0 ? 1 : (int)dim[axis];
	scale = arena_alloc(a, (size_t)nq * sizeof *scale);
	zero = arena_alloc(a, (size_t)nq * sizeof *zero);
	q = arena_alloc(a, n ? (size_t)n : 1);
	if (!qp_weight(mode, w, dim, rank, axis, scale, zero, q))
		return false;
	for (e = 0; e < n; e++) {
		ch = axis < 0 ? 0 : (e / inner) % dim[axis];
		qv = mode == Qu8 ? ((const uint8_t *)q)[e] : ((const int8_t *)q)[e];
		wq[e] = qp_dequantize(qv, scale[ch], zero[ch]);
	}
	return true;
}

void
bc_correction(const BcPlan *p, const float *w, const float *wq, double *e)
{
	int64_t oc, j, K = p->cin, N = p->cout, t, len = p->cing * p->kvol;
	const double *sm;
	double acc;

	for (oc = 0; oc < p->cout; oc++) {
		acc = 0;
		if (p->gemm) {
			for (j = 0; j < K; j++) {
				t = p->transb ? oc * K + j : j * N + oc;
				acc += ((double)w[t] - (double)wq[t]) * p->sum[j];
			}
		} else {
			sm = p->sum + (oc / p->coutg) * len;
			for (j = 0; j < len; j++) {
				t = oc * len + j;
				acc += ((double)w[t] - (double)wq[t]) * sm[j];
			}
		}
		if (p->npos > 0)
			acc /= p->npos;
		e[oc] = acc;
	}
}
