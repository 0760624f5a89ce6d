/*
 * relufuse.c — the relu-fuse pass: activations and max-pools into the
 * producing systolic op (doc/systolic.md sections 1-2).
 *
 * Requires: a quantized module; does nothing unless the target is
 *           "systolic".  Runs after layout-legalize (max-pool fusion needs
 *           nhwc convs).
 * Produces:
 *   - A quantized relu, or a quantized clip whose integer bounds are the
 *     zero point and the type's maximum (what ReLU6 becomes once its range
 *     is [0, 6]), that is the only user of a quantized conv, matmul, gemm
 *     or add result (not a graph output), becomes `relu = 1` on that
 *     producer, which then defines the relu's result.  Exact: the fused
 *     relu runs after the requantization's saturation, as the separate op
 *     did, and the clip's bounds are the saturation limits.
 *   - A quantized 2-D max_pool that is the only user of an nhwc conv's
 *     result becomes the conv's `maxpool = 1`, `pool_kernel_shape`,
 *     `pool_strides`, `pool_pads` when Gemmini's pooling equals ONNX's:
 *     square kernel, equal strides, four equal pads, ceil_mode 0, no
 *     dilation, no indices output, and either no padding or a fused relu
 *     (the kernel counts pool padding as the zero point, which is what
 *     -inf gives when every value is at least the zero point).
 *   Conv/matmul/gemm/add keep their names; the fused node is gone.
 * Invalidates: nothing else.
 */
#include <string.h>

#include "passes.h"

static bool
producer(int op)
{
	return op == Oconv || op == Omatmul || op == Ogemm || op == Oadd;
}

static Ins *
defof(Module *m, Ref r)
{
	if (r.kind != Rval || m->val[r.idx].def < 0)
		return NULL;
	return &m->ins[m->val[r.idx].def];
}

static int64_t
cstint(const Module *m, Ref r, bool *ok)
{
	const Cst *c;

	*ok = false;
	if (r.kind != Rcst)
		return 0;
	c = &m->cst[r.idx];
	if (c->nbytes != 1 || !c->type.q)
		return 0;
	*ok = true;
	return c->type.dt == Du8 ? *(const uint8_t *)c->data : *(const int8_t *)c->data;
}

/* a relu or clip whose effect is max(x, zero point) on its quantized type */
static bool
isrelu(const Module *m, const Ins *in)
{
	const Type *t;
	int64_t lo, hi;
	bool ok;

	if (in->op == Orelu)
		return true;
	if (in->op != Oclip || in->nin < 2)
		return false;
	t = &m->val[in->out[0]].type;
	if (!t->q || t->q->n != 1)
		return false;
	lo = cstint(m, in->in[1], &ok);
	if (!ok || lo != t->q->zero[0])
		return false;
	if (in->nin < 3 || in->in[2].kind == Rnone)
		return true;
	hi = cstint(m, in->in[2], &ok);
	return ok && hi == (t->dt == Du8 ? 255 : 127);
}

static void
setint(Module *m, Ins *in, const char *name, int64_t v)
{
	Attr *a = ir_getattr(in, name);

	if (!a)
		a = ir_addattr(m, in, name, Aint);
	a->kind = Aint;
	a->i = v;
}

static void
setints(Module *m, Ins *in, const char *name, int n, int64_t v)
{
	Attr *a = ir_addattr(m, in, name, Aints);
	int k;

	a->n = n;
	a->ints = arena_alloc(m->arena, (size_t)n * sizeof(int64_t));
	for (k = 0; k < n; k++)
		a->ints[k] = v;
}

/* every value of attribute name equal (n of them, default dflt if absent) */
static bool
allequal(const Ins *in, const char *name, int n, int64_t dflt, int64_t *v)
{
	const Attr *a = ir_getattr(in, name);
	int k;

	if (!a) {
		*v = dflt;
		return true;
	}
	if (a->kind != Aints || a->n != n)
		return false;
	for (k = 1; k < n; k++)
		if (a->ints[k] != a->ints[0])
			return false;
	*v = a->ints[0];
	return true;
}

static bool
poolfusable(const Module *m, const Ins *conv, const Ins *mp, int64_t *k,
    int64_t *s, int64_t *p)
{
	const Attr *ap = ir_getattr(mp, "auto_pad");
	int64_t d;

	if (mp->nout > 1 && mp->out[1] >= 0)
		return false;
	if (ap && ap->s.len != 0 && !(ap->s.len == 6 && memcmp(ap->s.data, "NOTSET", 6) == 0))
		return false;
	if (ir_attrint(mp, "ceil_mode", 0) != 0 || ir_attrint(mp, "storage_order", 0) != 0)
		return false;
	if (!allequal(mp, "kernel_shape", 2, -1, k) || *k < 1 ||
	    !allequal(mp, "strides", 2, 1, s) || !allequal(mp, "pads", 4, 0, p) ||
	    !allequal(mp, "dilations", 2, 1, &d) || d != 1)
		return false;
	if (m->val[mp->in[0].idx].type.layout != Lnhwc)
		return false;
	return *p == 0 || ir_attrint(conv, "relu", 0) == 1;
}

void
relu_fuse(Module *m)
{
	Arena *a;
	Uses *u;
	Ins *in, *p;
	int i, r;
	int64_t k, s, pad;

	if (!m->target || strcmp(m->target, "systolic") != 0)
		return;
	a = arena_new();
	u = ir_uses(m, a);
	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if ((in->op != Orelu && in->op != Oclip && in->op != Omax_pool) ||
		    in->nout < 1 || in->out[0] < 0 || !m->val[in->out[0]].type.q ||
		    !(p = defof(m, in->in[0])) || !m->val[in->in[0].idx].type.q)
			continue;
		r = in->in[0].idx;
		if (u->count[r] != 1 || ir_isoutput(m, r))
			continue;
		if (in->op == Omax_pool) {
			if (p->op != Oconv || ir_attrint(p, "maxpool", 0) ||
			    m->val[r].type.layout != Lnhwc ||
			    !poolfusable(m, p, in, &k, &s, &pad))
				continue;
			setint(m, p, "maxpool", 1);
			setints(m, p, "pool_kernel_shape", 2, k);
			setints(m, p, "pool_strides", 2, s);
			setints(m, p, "pool_pads", 4, pad);
		} else {
			if (!producer(p->op) || ir_attrint(p, "relu", 0) ||
			    ir_attrint(p, "maxpool", 0) || !isrelu(m, in))
				continue;
			setint(m, p, "relu", 1);
		}
		/* the producer defines the fused op's result */
		ir_setout(m, m->val[r].def, m->val[r].defout, in->out[0]);
		m->val[r].def = -1;
		in->op = Onop;
	}
	arena_free(a);
	ir_compact(m);
}
