/*
 * sysconv.c — the shared geometry and kernel choice of a quantized nhwc
 * conv (contract: sysconv.h).
 */
#include <string.h>

#include "sysconv.h"

static bool
autopad(const Ins *in)
{
	const Attr *a = ir_getattr(in, "auto_pad");

	return a && a->kind == Astr && a->s.len &&
	    !(a->s.len == 6 && memcmp(a->s.data, "NOTSET", 6) == 0);
}

const char *
sysconv_plan(const Module *m, const Ins *in, SqcConvNhwc *c)
{
	const Type *x = ir_reftype((Module *)m, in->in[0]);
	const Type *w = ir_reftype((Module *)m, in->in[1]);
	const Type *y = &m->val[in->out[0]].type;
	const QParam *qx = x->q, *qw = w->q, *qy = y->q;
	int64_t v[4];

	memset(c, 0, sizeof *c);
	if (x->rank != 4 || y->rank != 4 || w->rank < 3)
		ir_error(m, in, "an nhwc conv needs 4-D input and result");
	c->wl = w->layout == Lhwio ? SQC_W_HWIO : w->layout == Lckk ? SQC_W_CKK :
	    SQC_W_OIHW;
	c->n = x->dim[0], c->ih = x->dim[1], c->iw = x->dim[2], c->ci = x->dim[3];
	c->g = ir_attrint(in, "group", 1);
	if (c->wl == SQC_W_HWIO)
		c->kh = w->dim[0], c->kw = w->dim[1], c->co = w->dim[3];
	else if (c->wl == SQC_W_CKK)
		c->co = w->dim[0], c->kh = w->dim[1], c->kw = w->dim[2];
	else
		c->co = w->dim[0], c->kh = w->dim[2], c->kw = w->dim[3];
	if (c->g < 1 || c->ci % c->g || c->co % c->g ||
	    (c->wl == SQC_W_CKK && c->g != c->co))
		ir_error(m, in, "bad group %lld for %lld input channels",
		    (long long)c->g, (long long)c->ci);
	memcpy(c->s, ir_attrints(in, "strides", 2, 1, v), 2 * sizeof(int64_t));
	memcpy(c->d, ir_attrints(in, "dilations", 2, 1, v), 2 * sizeof(int64_t));
	memcpy(c->p, ir_attrints(in, "pads", 4, 0, v), 4 * sizeof(int64_t));
	if (autopad(in))
		ir_error(m, in, "an nhwc conv needs explicit pads (auto_pad NOTSET)");
	c->oh = (c->ih + c->p[0] + c->p[2] - c->d[0] * (c->kh - 1) - 1) / c->s[0] + 1;
	c->ow = (c->iw + c->p[1] + c->p[3] - c->d[1] * (c->kw - 1) - 1) / c->s[1] + 1;
	c->relu = ir_attrint(in, "relu", 0) != 0;
	c->pool = ir_attrint(in, "maxpool", 0) != 0;
	c->poh = c->oh, c->pw = c->ow;
	if (c->pool) {
		c->pk = ir_attrints(in, "pool_kernel_shape", 2, 1, v)[0];
		c->ps = ir_attrints(in, "pool_strides", 2, 1, v)[0];
		c->pp = ir_attrints(in, "pool_pads", 4, 0, v)[0];
		if (c->pk < 1 || c->ps < 1)
			ir_error(m, in, "bad fused pool attributes");
		c->poh = (c->oh + 2 * c->pp - c->pk) / c->ps + 1;
		c->pw = (c->ow + 2 * c->pp - c->pk) / c->ps + 1;
	}
	if (y->dim[0] != c->n || y->dim[1] != c->poh || y->dim[2] != c->pw ||
	    y->dim[3] != c->co)
		ir_error(m, in, "the result's shape does not match the conv");

	if (x->dt != Di8 || w->dt != Di8 || y->dt != Di8)
		return "uint8 data";
	if (!qx || !qw || !qy || qx->zero[0] || qw->zero[0] || qy->zero[0])
		return "a nonzero zero point";
	if (qw->n != 1)
		return "per-channel weight scales";
	if (c->kh != c->kw)
		return "a non-square kernel";
	if (c->s[0] != c->s[1])
		return "unequal strides";
	if (c->d[0] != c->d[1])
		return "unequal dilations";
	if (c->p[0] != c->p[1] || c->p[0] != c->p[2] || c->p[0] != c->p[3])
		return "unequal pads";
	if (c->wl == SQC_W_HWIO && c->g == 1)
		return NULL;
	if (c->wl == SQC_W_CKK)
		return c->d[0] == 1 ? NULL : "a dilated depthwise conv";
	return c->g > 1 ? "a grouped conv (not depthwise)" : "unpacked (oihw) weights";
}
