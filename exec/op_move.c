/*
 * op_move.c — interpreter bindings of the data movement ops: Reshape Flatten
 * Squeeze Unsqueeze Identity Dropout (byte copies: the result's shape is
 * already inferred), Transpose, Slice, Gather, Shape, Cast, Concat, Pad,
 * Resize and Constant.  Opset-dependent forms (Slice and Pad attributes
 * before opset 10/11, Resize's opset 10 inputs) are resolved here (Gather's
 * in fplan_gather, exec/fplan.h, shared with the C backend); the
 * runtime/movement.h kernels move the elements.
 */
#include <math.h>
#include <string.h>

#include "fplan.h"
#include "opkit.h"
#include "runtime/movement.h"

/* an i64/i32 tensor of at most max elements into v; returns the count */
static int
ints(const Module *m, const Ins *in, const Tensor *t, const char *what,
    int64_t *v, int max)
{
	size_t n = op_numel(t), k;

	if (t->dt != Di64 && t->dt != Di32)
		ir_error(m, in, "%s must be i64, not %s", what, op_dtname(t->dt));
	if (n > (size_t)max)
		ir_error(m, in, "%s has %zu elements; at most %d fit the rank",
		    what, n, max);
	for (k = 0; k < n; k++)
		v[k] = t->dt == Di64 ? ((const int64_t *)t->data)[k]
		    : ((const int32_t *)t->data)[k];
	return (int)n;
}

/* an ints attribute of at most max elements into v; -1 if absent */
static int
intsattr(const Module *m, const Ins *in, const char *name, int64_t *v,
    int max)
{
	Attr *a = ir_getattr(in, name);
	int k;

	if (!a)
		return -1;
	if (a->kind != Aints || a->n > max)
		ir_error(m, in, "attribute %s must be at most %d integers", name,
		    max);
	for (k = 0; k < a->n; k++)
		v[k] = a->ints[k];
	return a->n;
}

static int64_t
normaxis(const Module *m, const Ins *in, int64_t a, int rank)
{
	if (a < -rank || a >= rank)
		ir_error(m, in, "axis %lld is out of range for rank %d",
		    (long long)a, rank);
	return a < 0 ? a + rank : a;
}

static void
run_copy(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);

	if (t->nbytes != y[0]->nbytes || t->dt != y[0]->dt)
		op_mismatch(m, in);
	if (y[0]->data != t->data)
		memcpy(y[0]->data, t->data, t->nbytes);
}

static void
run_dropout(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *ratio = op_optinput(in, x, 1), *train = op_optinput(in, x, 2);
	Tensor *mask = in->nout > 1 ? y[1] : NULL;
	uint8_t one = 1;
	size_t k, n, es;
	float r = 0.5f;

	/* training mode drops at random, except with ratio 0 */
	if (ratio && op_numel(ratio) == 1 && ratio->dt == Df32)
		r = *(const float *)ratio->data;
	if (train && op_numel(train) == 1 && ((const uint8_t *)train->data)[0]
	    && r != 0)
		ir_error(m, in, "training-mode Dropout is random; the "
		    "interpreter runs inference only");
	run_copy(m, in, x, y, scratch);
	if (!mask)
		return;
	/* everything is kept: the mask is all true (or ones) */
	n = op_numel(mask);
	es = dtype_size(mask->dt);
	if (!rt_cast(&one, RT_BOOL, mask->data, (RtType)mask->dt, n ? 1 : 0))
		ir_error(m, in, "a %s mask is not supported", op_dtname(mask->dt));
	for (k = 1; k < n; k++)
		memcpy((char *)mask->data + k * es, mask->data, es);
}

static void
run_transpose(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	int64_t p[SQC_MAXRANK];
	int perm[SQC_MAXRANK], n, k;
	unsigned seen = 0;

	n = intsattr(m, in, "perm", p, SQC_MAXRANK);
	if (n < 0) {
		n = t->rank;
		for (k = 0; k < n; k++)
			p[k] = n - 1 - k;
	}
	if (n != t->rank)
		ir_error(m, in, "perm has %d entries for rank %d", n, t->rank);
	for (k = 0; k < n; k++) {
		if (p[k] < 0 || p[k] >= n || (seen >> p[k] & 1))
			ir_error(m, in, "perm is not a permutation");
		seen |= 1u << p[k];
		perm[k] = (int)p[k];
		if (y[0]->rank != n || y[0]->dim[k] != t->dim[p[k]])
			op_mismatch(m, in);
	}
	if (y[0]->dt != t->dt)
		op_mismatch(m, in);
	rt_transpose(t->data, dtype_size(t->dt), t->rank, t->dim, perm,
	    y[0]->data);
}

static void
run_slice(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *ax, *sp;
	int64_t st[SQC_MAXRANK], en[SQC_MAXRANK], axes[SQC_MAXRANK];
	int64_t steps[SQC_MAXRANK], start[SQC_MAXRANK], step[SQC_MAXRANK];
	int64_t cnt[SQC_MAXRANK], a, s, e, p, d;
	int n, ne, na, ns, k;
	unsigned seen = 0;

	if (ir_opset(m, "") < 10 && in->nin == 1) {
		n = intsattr(m, in, "starts", st, SQC_MAXRANK);
		ne = intsattr(m, in, "ends", en, SQC_MAXRANK);
		na = intsattr(m, in, "axes", axes, SQC_MAXRANK);
		ns = -1;
		if (n < 0 || ne < 0)
			ir_error(m, in, "attributes starts and ends are required");
	} else {
		n = ints(m, in, op_input(m, in, x, 1), "starts", st, SQC_MAXRANK);
		ne = ints(m, in, op_input(m, in, x, 2), "ends", en, SQC_MAXRANK);
		ax = op_optinput(in, x, 3);
		sp = op_optinput(in, x, 4);
		na = ax ? ints(m, in, ax, "axes", axes, SQC_MAXRANK) : -1;
		ns = sp ? ints(m, in, sp, "steps", steps, SQC_MAXRANK) : -1;
	}
	if (ne != n || (na >= 0 && na != n) || (ns >= 0 && ns != n))
		ir_error(m, in, "starts, ends, axes and steps differ in length");
	for (k = 0; k < t->rank; k++) {
		start[k] = 0;
		step[k] = 1;
		cnt[k] = t->dim[k];
	}
	for (k = 0; k < n; k++) {
		a = normaxis(m, in, na >= 0 ? axes[k] : k, t->rank);
		if (seen >> a & 1)
			ir_error(m, in, "axis %lld is sliced twice", (long long)a);
		seen |= 1u << a;
		p = ns >= 0 ? steps[k] : 1;
		if (p == 0)
			ir_error(m, in, "a step is 0");
		d = t->dim[a];
		s = st[k] < 0 ? st[k] + d : st[k];
		e = en[k] < 0 ? en[k] + d : en[k];
		if (p > 0) {
			s = s < 0 ? 0 : s > d ? d : s;
			e = e < 0 ? 0 : e > d ? d : e;
			cnt[a] = e > s ? (e - s + p - 1) / p : 0;
		} else {
			s = s < 0 ? 0 : s > d - 1 ? d - 1 : s;
			e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
			cnt[a] = s > e ? (s - e - p - 1) / -p : 0;
		}
		start[a] = cnt[a] > 0 ? s : 0;
		step[a] = p;
	}
	if (y[0]->rank != t->rank || y[0]->dt != t->dt
	    || memcmp(y[0]->dim, cnt, (size_t)t->rank * sizeof cnt[0]) != 0)
		op_mismatch(m, in);
	rt_slice(t->data, dtype_size(t->dt), t->rank, t->dim, start, step, cnt,
	    y[0]->data);
}

const int64_t *
fplan_gather(const Module *m, const Ins *in, const Tensor *t,
    const Tensor *it, const Tensor *y, Arena *a, int64_t *outer, int64_t *n,
    int64_t *inner)
{
	int64_t axis, *idx, v;
	size_t ni, k;
	int r, j;

	if (t->rank == 0)
		ir_error(m, in, "cannot gather from a scalar");
	axis = normaxis(m, in, ir_attrint(in, "axis", 0), t->rank);
	if (it->dt != Di64 && it->dt != Di32)
		ir_error(m, in, "indices must be i64 or i32, not %s",
		    op_dtname(it->dt));
	/* result dims: x[:axis] + indices + x[axis+1:] */
	r = t->rank - 1 + it->rank;
	if (y->rank != r || y->dt != t->dt)
		op_mismatch(m, in);
	for (j = 0; j < r; j++) {
		v = j < axis ? t->dim[j] : j < axis + it->rank
		    ? it->dim[j - axis] : t->dim[j - it->rank + 1];
		if (y->dim[j] != v)
			op_mismatch(m, in);
	}
	*n = t->dim[axis];
	ni = op_numel(it);
	idx = arena_alloc(a, (ni + 1) * sizeof *idx);
	for (k = 0; k < ni; k++) {
		v = it->dt == Di64 ? ((const int64_t *)it->data)[k]
		    : ((const int32_t *)it->data)[k];
		if (v < -*n || v >= *n)
			ir_error(m, in, "index %lld is out of range for a dim "
			    "of %lld", (long long)v, (long long)*n);
		idx[k] = v < 0 ? v + *n : v;
	}
	*outer = op_product(t->dim, 0, (int)axis);
	*inner = op_product(t->dim, (int)axis + 1, t->rank);
	return idx;
}

static void
run_gather(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *it = op_input(m, in, x, 1);
	int64_t outer, n, inner;
	const int64_t *idx = fplan_gather(m, in, t, it, y[0], scratch, &outer,
	    &n, &inner);

	rt_gather(t->data, dtype_size(t->dt), outer, n, inner, idx,
	    (int64_t)op_numel(it), y[0]->data);
}

static void
run_shape(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	int64_t s = ir_attrint(in, "start", 0), e = ir_attrint(in, "end",
	    t->rank), k;

	s = s < 0 ? s + t->rank : s;
	e = e < 0 ? e + t->rank : e;
	s = s < 0 ? 0 : s > t->rank ? t->rank : s;
	e = e < 0 ? 0 : e > t->rank ? t->rank : e;
	if (e < s)
		e = s;
	if (y[0]->dt != Di64 || op_numel(y[0]) != (size_t)(e - s))
		op_mismatch(m, in);
	for (k = s; k < e; k++)
		((int64_t *)y[0]->data)[k - s] = t->dim[k];
}

static void
run_cast(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	int64_t to = ir_attrint(in, "to", 0);

	if (y[0]->dt != to || op_numel(y[0]) != op_numel(t))
		op_mismatch(m, in);
	if (!rt_cast(t->data, (RtType)t->dt, y[0]->data, (RtType)to,
	    op_numel(t)))
		ir_error(m, in, "Cast from %s to %s is not supported by the "
		    "interpreter", op_dtname(t->dt), op_dtname((DType)to));
}

static void
run_concat(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t0 = op_input(m, in, x, 0), *t;
	const void **px;
	int64_t axis, *len, sum = 0;
	int k, j;

	if (!ir_getattr(in, "axis"))
		ir_error(m, in, "attribute axis is missing");
	if (t0->rank == 0)
		ir_error(m, in, "cannot concatenate scalars");
	axis = normaxis(m, in, ir_attrint(in, "axis", 0), t0->rank);
	px = arena_alloc(scratch, (size_t)in->nin * sizeof *px);
	len = arena_alloc(scratch, (size_t)in->nin * sizeof *len);
	for (k = 0; k < in->nin; k++) {
		t = op_input(m, in, x, k);
		if (t->dt != t0->dt || t->rank != t0->rank)
			ir_error(m, in, "operand %d has a different type", k + 1);
		for (j = 0; j < t->rank; j++)
			if (j != axis && t->dim[j] != t0->dim[j])
				ir_error(m, in, "operand %d differs in dim %d",
				    k + 1, j);
		px[k] = t->data;
		len[k] = t->dim[axis];
		sum += len[k];
	}
	if (y[0]->rank != t0->rank || y[0]->dt != t0->dt
	    || y[0]->dim[axis] != sum || op_numel(y[0]) != (size_t)(op_product(t0->dim,
	    0, (int)axis) * sum * op_product(t0->dim, (int)axis + 1, t0->rank)))
		op_mismatch(m, in);
	rt_concat(in->nin, px, len, dtype_size(t0->dt),
	    op_product(t0->dim, 0, (int)axis), op_product(t0->dim, (int)axis + 1,
	    t0->rank), y[0]->data);
}

static void
run_pad(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *cv = NULL, *ax;
	int64_t pads[2 * SQC_MAXRANK], raw[2 * SQC_MAXRANK], axes[SQC_MAXRANK];
	int64_t *map, tot;
	uint64_t zero[2] = {0, 0};
	const void *cval = zero;
	RtPadMode mode = RT_PAD_CONSTANT;
	Attr *a = ir_getattr(in, "mode");
	int r = t->rank, n, na, k;
	float f;

	if (a && !op_streq(a, "constant")) {
		if (op_streq(a, "reflect"))
			mode = RT_PAD_REFLECT;
		else if (op_streq(a, "edge"))
			mode = RT_PAD_EDGE;
		else if (op_streq(a, "wrap"))
			mode = RT_PAD_WRAP;
		else
			ir_error(m, in, "pad mode '%.*s' is not one of constant, "
			    "reflect, edge, wrap", (int)a->s.len,
			    a->kind == Astr ? (const char *)a->s.data : "");
	}
	na = -1;
	if (in->nin == 1 && ir_opset(m, "") < 11) {
		n = intsattr(m, in, "pads", raw, 2 * SQC_MAXRANK);
		if (n < 0)
			n = intsattr(m, in, "paddings", raw, 2 * SQC_MAXRANK);
		if (n < 0)
			ir_error(m, in, "attribute pads is missing");
		f = ir_attrfloat(in, "value", 0);
		if (f != 0) {
			if (!rt_cast(&f, RT_F32, zero, (RtType)t->dt, 1))
				ir_error(m, in, "Pad of %s is not supported",
				    op_dtname(t->dt));
		}
	} else {
		n = ints(m, in, op_input(m, in, x, 1), "pads", raw,
		    2 * SQC_MAXRANK);
		cv = op_optinput(in, x, 2);
		ax = op_optinput(in, x, 3);
		if (ax)
			na = ints(m, in, ax, "axes", axes, SQC_MAXRANK);
		if (cv && op_numel(cv) > 1)
			ir_error(m, in, "constant_value must be a scalar");
		if (cv && op_numel(cv) == 1) {
			if (cv->dt != t->dt)
				ir_error(m, in, "constant_value is %s but the "
				    "operand %s", op_dtname(cv->dt), op_dtname(t->dt));
			cval = cv->data;
		}
	}
	for (k = 0; k < 2 * r; k++)
		pads[k] = 0;
	if (na >= 0) {
		if (n != 2 * na)
			ir_error(m, in, "pads must have 2 entries per axis");
		for (k = 0; k < na; k++) {
			int64_t d = normaxis(m, in, axes[k], r);

			pads[d] = raw[k];
			pads[r + d] = raw[na + k];
		}
	} else {
		if (n != 2 * r)
			ir_error(m, in, "pads has %d entries for rank %d", n, r);
		memcpy(pads, raw, (size_t)n * sizeof *raw);
	}
	if (y[0]->rank != r || y[0]->dt != t->dt)
		op_mismatch(m, in);
	tot = 0;
	for (k = 0; k < r; k++) {
		if (y[0]->dim[k] != t->dim[k] + pads[k] + pads[r + k])
			op_mismatch(m, in);
		if (mode != RT_PAD_CONSTANT && t->dim[k] == 0 && y[0]->dim[k] > 0)
			ir_error(m, in, "cannot pad an empty dim in this mode");
		tot += y[0]->dim[k];
	}
	map = arena_alloc(scratch, (size_t)(tot + 1) * sizeof *map);
	rt_pad(t->data, dtype_size(t->dt), r, t->dim, pads, mode, cval,
	    y[0]->dim, y[0]->data, map);
}

static void
run_resize(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *roi = NULL, *sc = NULL;
	const Tensor *sz = NULL;
	int64_t axes[SQC_MAXRANK], sizes[SQC_MAXRANK];
	float scale[SQC_MAXRANK], rv[2 * SQC_MAXRANK], ks;
	RtResize p;
	Attr *a;
	int r = t->rank, na, k, d, n;
	bool v10 = ir_opset(m, "") < 11;

	memset(&p, 0, sizeof p);
	a = ir_getattr(in, "mode");
	if (!a || op_streq(a, "nearest"))
		p.mode = RT_RESIZE_NEAREST;
	else if (op_streq(a, "linear"))
		p.mode = RT_RESIZE_LINEAR;
	else if (op_streq(a, "cubic") && !v10)
		p.mode = RT_RESIZE_CUBIC;
	else
		ir_error(m, in, "resize mode '%.*s' is not supported",
		    (int)a->s.len, a->kind == Astr ? (const char *)a->s.data : "");
	if (ir_attrint(in, "antialias", 0))
		ir_error(m, in, "antialias is not supported by the interpreter");
	p.cubic_a = ir_attrfloat(in, "cubic_coeff_a", -0.75f);
	p.exclude_outside = ir_attrint(in, "exclude_outside", 0) != 0;
	p.extrapolation = ir_attrfloat(in, "extrapolation_value", 0);
	if (v10) {
		/* opset 10: Resize(X, scales), as ONNX Runtime runs it */
		p.coord = RT_COORD_ASYMMETRIC;
		p.nearest = RT_NEAREST_SIMPLE;
		sc = op_input(m, in, x, 1);
	} else {
		static const char *const coords[] = {
			"half_pixel", "half_pixel_symmetric",
			"pytorch_half_pixel", "align_corners", "asymmetric",
			"tf_half_pixel_for_nn", "tf_crop_and_resize",
		};
		static const char *const nears[] = {
			"round_prefer_floor", "round_prefer_ceil", "floor",
			"ceil",
		};

		a = ir_getattr(in, "coordinate_transformation_mode");
		p.coord = RT_COORD_HALF_PIXEL;
		if (a) {
			for (k = 0; k < (int)countof(coords); k++)
				if (op_streq(a, coords[k]))
					break;
			if (k == (int)countof(coords))
				ir_error(m, in, "coordinate_transformation_mode "
				    "'%.*s' is not supported", (int)a->s.len,
				    a->kind == Astr ? (const char *)a->s.data : "");
			p.coord = (RtCoord)k;
		}
		a = ir_getattr(in, "nearest_mode");
		p.nearest = RT_NEAREST_ROUND_PREFER_FLOOR;
		if (a) {
			for (k = 0; k < (int)countof(nears); k++)
				if (op_streq(a, nears[k]))
					break;
			if (k == (int)countof(nears))
				ir_error(m, in, "nearest_mode '%.*s' is not "
				    "supported", (int)a->s.len,
				    a->kind == Astr ? (const char *)a->s.data : "");
			p.nearest = (RtNearest)k;
		}
		roi = op_optinput(in, x, 1);
		sc = op_optinput(in, x, 2);
		sz = op_optinput(in, x, 3);
	}
	if (sc && op_numel(sc) == 0)
		sc = NULL;
	if (sz && op_numel(sz) == 0)
		sz = NULL;
	if (y[0]->rank != r || y[0]->dt != t->dt)
		op_mismatch(m, in);
	na = intsattr(m, in, "axes", axes, SQC_MAXRANK);
	if (na < 0) {
		na = r;
		for (k = 0; k < r; k++)
			axes[k] = k;
	}
	for (k = 0; k < na; k++)
		axes[k] = normaxis(m, in, axes[k], r);
	for (d = 0; d < r; d++) {
		scale[d] = 1;
		rv[d] = 0;
		rv[r + d] = 1;
	}
	if (sc) {
		if (sc->dt != Df32 || op_numel(sc) != (size_t)na)
			ir_error(m, in, "scales must be %d f32s", na);
		for (k = 0; k < na; k++)
			scale[axes[k]] = ((const float *)sc->data)[k];
	} else if (sz) {
		n = 0;
		if (sz->dt != Di64 || (n = ints(m, in, sz, "sizes", sizes,
		    SQC_MAXRANK)) != na)
			ir_error(m, in, "sizes must be %d i64s", na);
		for (k = 0; k < na; k++)
			scale[axes[k]] = (float)sizes[k]
			    / (float)t->dim[axes[k]];
		a = ir_getattr(in, "keep_aspect_ratio_policy");
		if (a && !op_streq(a, "stretch")) {
			ks = scale[axes[0]];
			for (k = 1; k < na; k++)
				if (op_streq(a, "not_larger") ? scale[axes[k]] < ks
				    : scale[axes[k]] > ks)
					ks = scale[axes[k]];
			for (k = 0; k < na; k++)
				scale[axes[k]] = ks;
		}
	} else {
		ir_error(m, in, "one of scales and sizes is required");
	}
	if (p.coord == RT_COORD_TF_CROP_AND_RESIZE) {
		if (!roi || roi->dt != Df32 || op_numel(roi) != (size_t)(2 * na))
			ir_error(m, in, "tf_crop_and_resize needs roi as %d f32s",
			    2 * na);
		for (k = 0; k < na; k++) {
			rv[axes[k]] = ((const float *)roi->data)[k];
			rv[r + axes[k]] = ((const float *)roi->data)[na + k];
		}
	}
	for (d = 0; d < r; d++)
		if (!(scale[d] > 0))
			ir_error(m, in, "scales must be positive");
	if (!rt_resize((RtType)t->dt, t->data, r, t->dim, y[0]->dim, scale, rv,
	    &p, y[0]->data, arena_alloc(scratch, rt_resize_scratch(
	    dtype_size(t->dt), r, t->dim, y[0]->dim))))
		ir_error(m, in, "this Resize of %s is not supported by the "
		    "interpreter (linear, cubic and tf_crop_and_resize need f32)",
		    op_dtname(t->dt));
}

static void
run_constant(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	Tensor *o = y[0];
	Attr *a;
	int64_t iv;
	int k;

	for (k = 0; k < in->nattr; k++) {
		a = &in->attr[k];
		if (strcmp(a->name, "value") == 0 && a->kind == Atensor) {
			if (a->tensors[0].type.dt != o->dt
			    || a->tensors[0].nbytes != o->nbytes)
				op_mismatch(m, in);
			memcpy(o->data, a->tensors[0].data, o->nbytes);
			return;
		}
		if (strcmp(a->name, "value_float") == 0 && a->kind == Afloat
		    && o->dt == Df32 && o->nbytes == sizeof(float)) {
			memcpy(o->data, &a->f, sizeof(float));
			return;
		}
		if (strcmp(a->name, "value_floats") == 0 && a->kind == Afloats
		    && o->dt == Df32 && o->nbytes == (size_t)a->n * sizeof(float)) {
			memcpy(o->data, a->floats, o->nbytes);
			return;
		}
		if (strcmp(a->name, "value_int") == 0 && a->kind == Aint
		    && o->dt == Di64 && o->nbytes == sizeof(int64_t)) {
			iv = a->i;
			memcpy(o->data, &iv, sizeof iv);
			return;
		}
		if (strcmp(a->name, "value_ints") == 0 && a->kind == Aints
		    && o->dt == Di64 && o->nbytes == (size_t)a->n * sizeof(int64_t)) {
			memcpy(o->data, a->ints, o->nbytes);
			return;
		}
	}
	ir_error(m, in, "this Constant's value is not supported by the "
	    "interpreter (value, value_float(s), value_int(s) are)");
}

const ExecImpl exec_impl_move[] = {
	{Oreshape, run_copy, 0, 0},
	{Oflatten, run_copy, 0, 0},
	{Osqueeze, run_copy, 0, 0},
	{Ounsqueeze, run_copy, 0, 0},
	{Oidentity, run_copy, 0, 0},
	{Odropout, run_dropout, 0, 0},
	{Otranspose, run_transpose, 0, 0},
	{Oslice, run_slice, 0, 0},
	{Ogather, run_gather, 0, 0},
	{Oshape, run_shape, 0, 0},
	{Ocast, run_cast, 0, 0},
	{Oconcat, run_concat, 0, 0},
	{Opad, run_pad, 0, 0},
	{Oresize, run_resize, 0, 0},
	{Oconstant, run_constant, 0, 0},
	{0, 0, 0, 0},
};
