/*
 * weightpack.c — the weight-pack pass: constant weights into the layouts the
 * systolic kernels read (doc/systolic.md section 1).
 *
 * Requires: a quantized module after layout-legalize; does nothing unless
 *           the target is "systolic".
 * Produces:
 *   - the weight of a quantized conv whose input is nhwc: group 1 -> hwio
 *     [KH, KW, CI, CO] (tiled_conv_auto's [k*k*cin][cout]); depthwise
 *     (group = CI = CO, weight [C, 1, KH, KW]) -> ckk [C, KH, KW]
 *     (tiled_conv_dw_auto); other groupings keep oihw;
 *   - the constant B of a quantized gemm -> kn [K, N] (transposed when
 *     transB = 1, which then becomes 0); a quantized matmul's constant 2-D
 *     B is [K, N] already and gets the kn layout;
 *   - per-axis parameters follow their axis (conv's output channels are
 *     axis 3 of hwio, 0 of ckk; gemm's N is axis 1 of kn);
 *   - constants with the same type and bytes are shared (the first one's
 *     name stays).
 *   A packed constant is new, named <w>_hwio, <w>_ckk or <w>_kn; the
 *   original goes when nothing else uses it.
 * Invalidates: nothing else.
 */
#include <string.h>

#include "passes.h"

static QParam *
moveaxis(Module *m, const QParam *q, int axis)
{
	QParam *n;

	if (!q || q->n == 1)
		return (QParam *)q;
	n = arena_alloc(m->arena, sizeof *n);
	*n = *q;
	n->axis = axis;
	return n;
}

static int
newcst(Module *m, const Cst *w, const char *suffix, int rank, const int64_t *dim,
    Layout l, QParam *q, void *data)
{
	Type t = w->type;
	int k;

	t.rank = rank;
	for (k = 0; k < rank; k++) {
		t.dim[k] = dim[k];
		t.sym[k] = NULL;
	}
	t.layout = l;
	t.q = q;
	return ir_addcst(m, ir_uniquename(m, arena_printf(m->arena, "%s_%s", w->name, suffix)),
	    t, data, w->nbytes);
}

static void
packconv(Module *m, Ins *in)
{
	const Cst *w = &m->cst[in->in[1].idx];
	const Type *x = ir_reftype(m, in->in[0]);
	int64_t co = w->type.dim[0], ci = w->type.dim[1], kh = w->type.dim[2],
	    kw = w->type.dim[3], g = ir_attrint(in, "group", 1), dim[4], o, i, a, b;
	size_t es = dtype_size(w->type.dt);
	const char *src = w->data;
	char *dst;

	if (x->layout != Lnhwc || w->type.layout == Lhwio || w->type.layout == Lckk)
		return;
	if (g == 1) {
		dst = arena_alloc(m->arena, w->nbytes ? w->nbytes : 1);
		for (o = 0; o < co; o++)
			for (i = 0; i < ci; i++)
				for (a = 0; a < kh; a++)
					for (b = 0; b < kw; b++)
						memcpy(dst + (size_t)(((a * kw + b) * ci + i) * co + o) * es,
						    src + (size_t)(((o * ci + i) * kh + a) * kw + b) * es, es);
		dim[0] = kh, dim[1] = kw, dim[2] = ci, dim[3] = co;
		in->in[1] = ref_cst(newcst(m, w, "hwio", 4, dim, Lhwio,
		    moveaxis(m, w->type.q, 3), dst));
	} else if (ci == 1 && g == co && x->dim[3] == co) {
		dim[0] = co, dim[1] = kh, dim[2] = kw;
		in->in[1] = ref_cst(newcst(m, w, "ckk", 3, dim, Lckk,
		    moveaxis(m, w->type.q, 0), w->data));
	}
}

static void
packgemm(Module *m, Ins *in)
{
	const Cst *w = &m->cst[in->in[1].idx];
	int64_t r = w->type.dim[0], c = w->type.dim[1], i, j, dim[2];
	size_t es = dtype_size(w->type.dt);
	bool tb = in->op == Ogemm && ir_attrint(in, "transB", 0) != 0;
	const char *src = w->data;
	char *dst;
	Attr *a;

	if (w->type.rank != 2 || w->type.layout == Lkn)
		return;
	if (!tb) {
		dim[0] = r, dim[1] = c;
		in->in[1] = ref_cst(newcst(m, w, "kn", 2, dim, Lkn, (QParam *)w->type.q,
		    w->data));
		return;
	}
	dst = arena_alloc(m->arena, w->nbytes ? w->nbytes : 1);
	for (i = 0; i < r; i++)		/* B is [N, K]: r = N, c = K */
		for (j = 0; j < c; j++)
			memcpy(dst + (size_t)(j * r + i) * es, src + (size_t)(i * c + j) * es, es);
	dim[0] = c, dim[1] = r;
	in->in[1] = ref_cst(newcst(m, w, "kn", 2, dim, Lkn, moveaxis(m, w->type.q, 1), dst));
	a = ir_getattr(in, "transB");
	a->i = 0;
}

static bool
samecst(const Cst *a, const Cst *b)
{
	int k;

	if (a->nbytes != b->nbytes || a->isinput || b->isinput ||
	    !type_eq(&a->type, &b->type))
		return false;
	for (k = 0; k < a->type.rank; k++)
		if (a->type.dim[k] != b->type.dim[k])
			return false;
	return a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0;
}

/* identical constants shared: a hash of the bytes finds candidates */
static void
dedup(Module *m)
{
	Arena *a = arena_new();
	int n = m->ncst, nb = 1, *head, *next, *to, i, k;
	uint64_t h;
	const unsigned char *p;
	size_t j;

	while (nb < 2 * n)
		nb <<= 1;
	head = arena_alloc(a, (size_t)nb * sizeof(int));
	next = arena_alloc(a, (size_t)(n + 1) * sizeof(int));
	to = arena_alloc(a, (size_t)(n + 1) * sizeof(int));
	for (i = 0; i < nb; i++)
		head[i] = -1;
	for (i = 0; i < n; i++) {
		Cst *c = &m->cst[i];
		h = 1469598103934665603ull ^ (uint64_t)c->nbytes ^ (uint64_t)c->type.dt << 40;
		for (p = c->data, j = 0; j < c->nbytes; j++)
			h = (h ^ p[j]) * 1099511628211ull;
		to[i] = i;
		for (k = head[h & (uint64_t)(nb - 1)]; k >= 0; k = next[k])
			if (samecst(&m->cst[k], c)) {
				to[i] = k;
				break;
			}
		if (to[i] == i) {
			next[i] = head[h & (uint64_t)(nb - 1)];
			head[h & (uint64_t)(nb - 1)] = i;
		}
	}
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nin; k++)
			if (m->ins[i].in[k].kind == Rcst)
				m->ins[i].in[k].idx = to[m->ins[i].in[k].idx];
	arena_free(a);
}

void
weight_pack(Module *m)
{
	Ins *in;
	int i;

	if (!m->target || strcmp(m->target, "systolic") != 0)
		return;
	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (in->nout < 1 || in->out[0] < 0 || !m->val[in->out[0]].type.q ||
		    in->nin < 2 || in->in[1].kind != Rcst || !m->cst[in->in[1].idx].type.q)
			continue;
		if (in->op == Oconv && m->cst[in->in[1].idx].type.rank == 4)
			packconv(m, in);
		else if (in->op == Ogemm || in->op == Omatmul)
			packgemm(m, in);
	}
	dedup(m);
	ir_compact(m);
}
