/*
 * emitonnx.c — the ONNX writer: Module -> ModelProto, streamed to a FILE.
 *
 * Contract (backend.h): emit_onnx_format(m, f, fmt) writes one serialized
 * ModelProto and returns false if a write to f failed (the caller reports
 * it); a module that cannot be expressed at its opset or for its target is a
 * user error (error()).  emit_onnx(m, f) is fmt = ONNX_QOPS.  m is not
 * modified.
 *
 * The ModelProto is built as protobuf-c structs allocated from a scratch
 * arena that is freed before returning.  Constant data is never copied:
 * TensorProto.raw_data points at Cst.data, and packing goes through a
 * ProtobufCBuffer whose append() fwrite()s straight to f, so a 100 MB model
 * is not duplicated in memory.  Opaque payloads the IR keeps serialized
 * (model-local functions, graph / sparse-tensor / type-proto attributes) are
 * unpacked into the scratch arena and attached.
 *
 * Layout of the output:
 *   header      ir_version (8 if unset; 3 becomes 4 when an initializer is
 *               not also a graph input), producer (sqc if unset), domain,
 *               model_version, doc_string (an empty string is left out),
 *               opset_import (ai.onnx 13 if the module imports none),
 *               metadata_props, functions
 *   graph       name (sqc if unset)
 *     input       m->in, then every constant with isinput, in table order
 *     initializer every constant in table order, except one whose only uses
 *                 were turned into attributes by legacy_form()
 *     node        one per instruction in order (Onop skipped)
 *     output      m->out, typed from the value or constant
 *     value_info  every live value that is neither input nor output and
 *                 whose dtype is known
 *   A ValueInfoProto has no type when the dtype is unknown and no shape when
 *   the rank is unknown; an unknown dim is an empty Dimension.
 *
 * Opset-dependent forms live in legacy_form(): the IR keeps the newest ONNX
 * spelling of an op and this writer lowers it when the model's default-domain
 * opset predates that spelling.
 *
 * Quantized instructions (doc/quantization.md section 8) are lowered by
 * lower() into the nodes Module.target runs, in the instruction's place;
 * the initializers and intermediate tensors they add follow the module's
 * own in initializer and value_info, and com.microsoft 1 is imported when a
 * node needs it.  The section "quantized ops" gives the rules.
 */
#include <math.h>
#include <string.h>

#include "onnx.pb-c.h"

#include "backend/backend.h"

#define DIM_VALUE ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
#define DIM_PARAM ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM

enum {
	DEFAULT_IRVERSION = 8,
	DEFAULT_OPSET = 13,
};

typedef struct Form Form;

typedef struct Emit {
	Module *m;
	Arena *a;			/* scratch: every proto struct */
	ProtobufCAllocator alloc;	/* unpacking into a */
	int64_t opset;			/* effective ai.onnx opset */
	Form *form;			/* per instruction: legacy_form */
	bool *cstkeep;			/* per constant: initializer? */

	/* quantized ops (lower) */
	OnnxFormat fmt;
	int target;			/* Tnone, Tort, Tsystolic */
	NameMap *tensors, *nodes;	/* names taken */
	const char **vscale, **vzero;	/* per value: its scale, zero point */
	const char **cscale, **czero;	/* per constant */
	const char **dynq;		/* per f32 value: its run-time quantized
					 * tensor, scale, zero point (3 each) */
	const char *kr127, *keps, *kzp, *ki32lo, *ki32hi;	/* shared constants */
	bool *cstref;			/* per constant: read by a lowered node */
	const char **chwio;		/* per constant: its HWIO initializer
					 * (QLinearConv_nhwc), made once */
	bool msdomain;			/* a com.microsoft node was written */
	int *lfirst, *lcount;		/* per instruction: its lowered nodes,
					 * lcount -1 when written as is */
	Onnx__NodeProto **lnode;
	size_t nlnode, caplnode;
	Onnx__TensorProto **xinit;	/* initializers the lowering made */
	size_t nxinit, capxinit;
	Onnx__ValueInfoProto **xvi;	/* and the tensors between its nodes */
	size_t nxvi, capxvi;
} Emit;

/* How one instruction is written: its leading nin operands stay inputs,
 * extra attributes replace the rest (opset-dependent forms). */
struct Form {
	int nin;
	int nextra;
	Onnx__AttributeProto **extra;
};

typedef struct FileBuf {
	ProtobufCBuffer base;
	FILE *f;
	bool failed;
} FileBuf;

/* --- allocation ---------------------------------------------------------- */

static void *
pballoc(void *data, size_t n)
{
	return arena_alloc(data, n ? n : 1);
}

static void
pbfree(void *data, void *p)
{
	(void)data;
	(void)p;		/* the arena owns everything */
}

static void *
newmsg(Emit *e, const ProtobufCMessageDescriptor *d)
{
	void *p = arena_alloc(e->a, d->sizeof_message);

	protobuf_c_message_init(d, p);
	return p;
}

/* NEW(e, Onnx__NodeProto, node_proto): a fresh, initialized message */
#define NEW(e, T, d) ((T *)newmsg((e), &onnx__##d##__descriptor))

static void *
newarr(Emit *e, size_t n, size_t sz)
{
	size_t bytes;

	if (n == 0)
		return NULL;
	if (mulover(n, sz, &bytes))
		error(e->m->path, "model too large to write");
	return arena_alloc(e->a, bytes);
}

/* protobuf-c's char * fields are not const; the strings are never written */
static char *
str(const char *s)
{
	return (char *)s;
}

/* s, or NULL (field absent) when s is unset or empty */
static const char *
nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* --- diagnostics ---------------------------------------------------------- */

static const char *
optype(const Ins *in)
{
	return in->op == Oopaque ? in->optype : optab[in->op].onnx;
}

/* "node 'NAME' (OpType)", naming an unnamed node by its first output */
static const char *
nodedesc(Emit *e, const Ins *in)
{
	if (in->name && in->name[0])
		return arena_printf(e->a, "node '%s' (%s)", in->name,
		    optype(in));
	if (in->nout > 0 && in->out[0] >= 0)
		return arena_printf(e->a, "node producing '%s' (%s)",
		    e->m->val[in->out[0]].name, optype(in));
	return arena_printf(e->a, "node #%d (%s)", (int)(in - e->m->ins),
	    optype(in));
}

/* --- types ---------------------------------------------------------------- */

static Onnx__TensorShapeProto *
shapeproto(Emit *e, const Type *t)
{
	Onnx__TensorShapeProto *sp;
	int i;

	sp = NEW(e, Onnx__TensorShapeProto, tensor_shape_proto);
	sp->n_dim = (size_t)t->rank;
	sp->dim = newarr(e, sp->n_dim, sizeof *sp->dim);
	for (i = 0; i < t->rank; i++) {
		Onnx__TensorShapeProto__Dimension *d;

		d = NEW(e, Onnx__TensorShapeProto__Dimension,
		    tensor_shape_proto__dimension);
		if (t->dim[i] >= 0) {
			d->value_case = DIM_VALUE;
			d->dim_value = t->dim[i];
		} else if (t->sym[i]) {
			d->value_case = DIM_PARAM;
			d->dim_param = str(t->sym[i]);
		}
		sp->dim[i] = d;
	}
	return sp;
}

/* A tensor TypeProto, or NULL when nothing is known (dtype undefined) */
static Onnx__TypeProto *
typeproto(Emit *e, const Type *t)
{
	Onnx__TypeProto *tp;
	Onnx__TypeProto__Tensor *tt;

	if (t->dt == Dundef)
		return NULL;
	tt = NEW(e, Onnx__TypeProto__Tensor, type_proto__tensor);
	tt->has_elem_type = 1;
	tt->elem_type = t->dt;
	if (t->rank >= 0)
		tt->shape = shapeproto(e, t);
	tp = NEW(e, Onnx__TypeProto, type_proto);
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	return tp;
}

static Onnx__ValueInfoProto *
valueinfo(Emit *e, const char *name, const Type *t)
{
	Onnx__ValueInfoProto *vi;

	vi = NEW(e, Onnx__ValueInfoProto, value_info_proto);
	vi->name = str(name);
	vi->type = typeproto(e, t);
	return vi;
}

/* --- tensors -------------------------------------------------------------- */

/* A TensorProto over c's data, which is referenced, not copied */
static Onnx__TensorProto *
tensorproto(Emit *e, Cst *c)
{
	Onnx__TensorProto *tp;

	tp = NEW(e, Onnx__TensorProto, tensor_proto);
	if (c->name && c->name[0])
		tp->name = str(c->name);
	if (c->type.rank > 0) {
		tp->n_dims = (size_t)c->type.rank;
		tp->dims = c->type.dim;
	}
	tp->has_data_type = 1;
	tp->data_type = c->type.dt;
	if (c->type.dt == Dstr) {
		const Bytes *b = c->data;
		size_t i, n;

		if (!type_numel(&c->type, &n))
			n = c->nbytes / sizeof(Bytes);
		tp->n_string_data = n;
		tp->string_data = newarr(e, n, sizeof *tp->string_data);
		for (i = 0; i < n; i++) {
			tp->string_data[i].len = b[i].len;
			tp->string_data[i].data = b[i].data;
		}
	} else {
		tp->has_raw_data = 1;
		tp->raw_data.len = c->nbytes;
		tp->raw_data.data = c->data;
	}
	return tp;
}

/* --- attributes ----------------------------------------------------------- */

/* Unpack one serialized attribute payload; a blob that does not parse came
 * from the user's input (e.g. the textual IR) */
static void *
unpackblob(Emit *e, const Ins *in, const Attr *at, const Bytes *b,
    const ProtobufCMessageDescriptor *d, const char *what)
{
	void *p;

	p = protobuf_c_message_unpack(d, &e->alloc, b->len, b->data);
	if (!p)
		error(e->m->path, "%s: attribute '%s' is not a valid %s",
		    nodedesc(e, in), at->name, what);
	return p;
}

static Onnx__AttributeProto *
attrproto(Emit *e, const Ins *in, Attr *at)
{
	Onnx__AttributeProto *ap;
	size_t i, n;

	ap = NEW(e, Onnx__AttributeProto, attribute_proto);
	ap->name = str(at->name);
	ap->has_type = 1;
	n = at->n > 0 ? (size_t)at->n : 0;
	switch (at->kind) {
	case Aint:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		ap->has_i = 1;
		ap->i = at->i;
		break;
	case Afloat:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
		ap->has_f = 1;
		ap->f = at->f;
		break;
	case Astr:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
		ap->has_s = 1;
		ap->s.len = at->s.len;
		ap->s.data = at->s.data;
		break;
	case Atensor:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
		ap->t = tensorproto(e, &at->tensors[0]);
		break;
	case Agraph:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
		ap->g = unpackblob(e, in, at, &at->blob[0],
		    &onnx__graph_proto__descriptor, "graph");
		break;
	case Asparse:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
		ap->sparse_tensor = unpackblob(e, in, at, &at->blob[0],
		    &onnx__sparse_tensor_proto__descriptor, "sparse tensor");
		break;
	case Atypeproto:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO;
		ap->tp = unpackblob(e, in, at, &at->blob[0],
		    &onnx__type_proto__descriptor, "type proto");
		break;
	case Aints:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
		ap->n_ints = n;
		ap->ints = n ? at->ints : NULL;
		break;
	case Afloats:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
		ap->n_floats = n;
		ap->floats = n ? at->floats : NULL;
		break;
	case Astrs:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
		ap->n_strings = n;
		ap->strings = newarr(e, n, sizeof *ap->strings);
		for (i = 0; i < n; i++) {
			ap->strings[i].len = at->strs[i].len;
			ap->strings[i].data = at->strs[i].data;
		}
		break;
	case Atensors:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
		ap->n_tensors = n;
		ap->tensors = newarr(e, n, sizeof *ap->tensors);
		for (i = 0; i < n; i++)
			ap->tensors[i] = tensorproto(e, &at->tensors[i]);
		break;
	case Agraphs:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
		ap->n_graphs = n;
		ap->graphs = newarr(e, n, sizeof *ap->graphs);
		for (i = 0; i < n; i++)
			ap->graphs[i] = unpackblob(e, in, at, &at->blob[i],
			    &onnx__graph_proto__descriptor, "graph");
		break;
	case Asparses:
		ap->type =
		    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS;
		ap->n_sparse_tensors = n;
		ap->sparse_tensors = newarr(e, n, sizeof *ap->sparse_tensors);
		for (i = 0; i < n; i++)
			ap->sparse_tensors[i] = unpackblob(e, in, at,
			    &at->blob[i],
			    &onnx__sparse_tensor_proto__descriptor,
			    "sparse tensor");
		break;
	case Atypeprotos:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS;
		ap->n_type_protos = n;
		ap->type_protos = newarr(e, n, sizeof *ap->type_protos);
		for (i = 0; i < n; i++)
			ap->type_protos[i] = unpackblob(e, in, at, &at->blob[i],
			    &onnx__type_proto__descriptor, "type proto");
		break;
	default:
		die("attribute '%s' has unknown kind %d", at->name, at->kind);
	}
	return ap;
}

static Onnx__AttributeProto *
floatattr(Emit *e, const char *name, float f)
{
	Onnx__AttributeProto *ap;

	ap = NEW(e, Onnx__AttributeProto, attribute_proto);
	ap->name = str(name);
	ap->has_type = 1;
	ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	ap->has_f = 1;
	ap->f = f;
	return ap;
}

/* --- opset-dependent forms ------------------------------------------------ */

static float
halftof(uint16_t h)
{
	int ex = (h >> 10) & 0x1f;
	int mant = h & 0x3ff;
	float v;

	if (ex == 0)
		v = ldexpf((float)mant, -24);
	else if (ex == 31)
		v = mant ? NAN : INFINITY;
	else
		v = ldexpf((float)(mant | 0x400), ex - 25);
	return (h & 0x8000) ? -v : v;
}

/* The value of a one-element numeric constant; false if c is not one */
static bool
cstscalar(const Cst *c, double *v)
{
	const uint8_t *p = c->data;
	size_t n;

	if (!type_numel(&c->type, &n) || n != 1 || !p ||
	    c->nbytes < dtype_size(c->type.dt))
		return false;
	switch (c->type.dt) {
#define LOAD(T) do { T x; memcpy(&x, p, sizeof x); *v = (double)x; } while (0)
	case Df32: LOAD(float); return true;
	case Df64: LOAD(double); return true;
	case Di8: LOAD(int8_t); return true;
	case Du8: LOAD(uint8_t); return true;
	case Di16: LOAD(int16_t); return true;
	case Du16: LOAD(uint16_t); return true;
	case Di32: LOAD(int32_t); return true;
	case Du32: LOAD(uint32_t); return true;
	case Di64: LOAD(int64_t); return true;
	case Du64: LOAD(uint64_t); return true;
	case Dbool: *v = p[0] != 0; return true;
#undef LOAD
	case Df16: {
		uint16_t h;

		memcpy(&h, p, sizeof h);
		*v = halftof(h);
		return true;
	}
	case Dbf16: {
		uint16_t h;
		uint32_t u;
		float f;

		memcpy(&h, p, sizeof h);
		u = (uint32_t)h << 16;
		memcpy(&f, &u, sizeof f);
		*v = f;
		return true;
	}
	default:
		return false;
	}
}

/* Operand k of in, which must be a scalar constant, as a float attribute */
static Onnx__AttributeProto *
constattr(Emit *e, const Ins *in, int k, const char *name)
{
	Ref r = in->in[k];
	double v;

	if (r.kind != Rcst)
		error(e->m->path, "%s: %s must be a constant to be written at "
		    "opset %lld", nodedesc(e, in), name, (long long)e->opset);
	if (!cstscalar(&e->m->cst[r.idx], &v))
		error(e->m->path, "%s: %s must be a numeric scalar to be "
		    "written at opset %lld", nodedesc(e, in), name,
		    (long long)e->opset);
	return floatattr(e, name, (float)v);
}

/*
 * legacy_form: how instruction idx is written at the module's opset.  The IR
 * normal form is the newest ONNX spelling; older opsets moved some operands
 * into attributes.  Add an op here when its old form differs.
 *
 *   Clip < 11    min, max inputs -> float attributes min, max
 */
static Form
legacy_form(Emit *e, int idx)
{
	const Ins *in = &e->m->ins[idx];
	Form fm = { in->nin, 0, NULL };

	switch (in->op) {
	case Oclip:
		if (e->opset >= 11 || in->nin <= 1)
			break;
		fm.nin = 1;
		fm.extra = newarr(e, 2, sizeof *fm.extra);
		if (in->nin > 1 && in->in[1].kind != Rnone)
			fm.extra[fm.nextra++] = constattr(e, in, 1, "min");
		if (in->nin > 2 && in->in[2].kind != Rnone)
			fm.extra[fm.nextra++] = constattr(e, in, 2, "max");
		break;
	default:
		break;
	}
	return fm;
}

/* --- quantized ops (doc/quantization.md section 8) ------------------------ */

/*
 * A quantized instruction has no ONNX spelling of its own: its quantization
 * parameters live in the types.  lower() writes it as the nodes the target
 * runs, appending them to e->lnode (lfirst/lcount per instruction):
 *
 *   quantize     QuantizeLinear(x, ys, yz)
 *   dequantize   DequantizeLinear(x, xs, xz)
 *   requantize   DequantizeLinear -> <x>_dequantized -> QuantizeLinear
 *   ONNX_QOPS, both targets:
 *     conv       QLinearConv(x, xs, xz, w, ws, wz, ys, yz, [b])
 *     matmul     QLinearMatMul(a, as, az, b, bs, bz, ys, yz)
 *     add, mul   com.microsoft QLinearAdd / QLinearMul(a, as, az, b, bs, bz,
 *                ys, yz)
 *     leaky_relu, sigmoid  com.microsoft QLinearLeakyRelu / QLinearSigmoid
 *                (x, xs, xz, ys, yz)
 *     clip       Clip on the codes (its bounds are constants of x's dtype)
 *   ONNX_QOPS, target "ort" (what ONNX Runtime 1.30 runs):
 *     gemm       com.microsoft QGemm(a, as, az, b, bs, bz, [c], ys, yz)
 *     relu       Max(x, xz): ONNX Relu takes no uint8, and int8 only from
 *                opset 14
 *     average_pool, global_average_pool  com.microsoft QLinearAveragePool /
 *                QLinearGlobalAveragePool (x, xs, xz, ys, yz)
 *     conv_transpose  has no QLinear kernel: written in QDQ form
 *   ONNX_QOPS, target "systolic" (what the fork registers, seed §5.1):
 *     gemm       Reshape a to [M, K, 1, 1] -> QLinearConv with weight
 *                [N, K, 1, 1] and bias c -> Reshape to [M, N] (the fork's
 *                conv arithmetic is gemm's); B packed kn (-O2): Reshape to
 *                [M, 1, 1, K] -> QLinearConv_nhwc with the HWIO weight
 *                [1, 1, K, N] (the kn bytes) -> Reshape; relu = 1 becomes
 *                the conv's relu attribute
 *     conv with an nhwc input (-O2)  QLinearConv_nhwc (default domain, the
 *                fork's NHWC transformer's op, seed §4.3) with the weight
 *                HWIO [KH, KW, CI/g, CO] (hwio as is; ckk and oihw
 *                reordered, one copy per constant) and the instruction's
 *                attributes (relu, maxpool, pool_* are the schema's names)
 *     max_pool on an nhwc value (-O2, not fused)  Transpose to NCHW ->
 *                MaxPool -> Transpose to NHWC: the fork has no int8
 *                MaxPool_nhwc (seed §4.2)
 *     matmul with relu = 1  QLinearMatMul -> QLinearRelu (no fused form)
 *     add with relu = 1  QLinearAdd with relu=1 (the fork's fused form)
 *     relu       QLinearRelu(x) in the default domain, no attributes.  The
 *                ONNX checker rejects it (no such op in ai.onnx): expected,
 *                only the fork runs it
 *     conv_transpose  QLinearConvTranspose (default domain, conv's inputs)
 *   ONNX_QDQ (either target): DequantizeLinear on each quantized operand
 *     (weights and the i32 bias too, whose q is sx * sw) -> the float op ->
 *     QuantizeLinear, the form ONNX Runtime fuses at load.  -O2's nhwc,
 *     packed and fused forms have no QDQ spelling: a user error.
 * Pass-through ops (max_pool, reshape, concat, transpose, ...) are the float
 * op on the codes in every form, so they are not lowered (except an nhwc
 * max_pool, above); nhwc values keep their NHWC dims in value_info.
 *
 * Each quantized operand gets initializers <t>_scale and <t>_zero_point, <t>
 * its name without a trailing "_quantized", made once per operand and only
 * when a node reads them; per-axis parameters are 1-D.  Every new tensor or
 * node name is made unique against the module's and the ones made before.
 * The main node keeps the instruction's name; helper nodes are named after
 * it (or, when it has none, after its result).
 */

enum { Tnone, Tort, Tsystolic };

static void
pushnode(Emit *e, Onnx__NodeProto *np)
{
	if (e->nlnode == e->caplnode) {
		size_t cap = e->caplnode ? 2 * e->caplnode : 64;
		Onnx__NodeProto **p = newarr(e, cap, sizeof *p);

		if (e->nlnode)
			memcpy(p, e->lnode, e->nlnode * sizeof *p);
		e->lnode = p;
		e->caplnode = cap;
	}
	e->lnode[e->nlnode++] = np;
}

static void
pushinit(Emit *e, Onnx__TensorProto *tp)
{
	if (e->nxinit == e->capxinit) {
		size_t cap = e->capxinit ? 2 * e->capxinit : 64;
		Onnx__TensorProto **p = newarr(e, cap, sizeof *p);

		if (e->nxinit)
			memcpy(p, e->xinit, e->nxinit * sizeof *p);
		e->xinit = p;
		e->capxinit = cap;
	}
	e->xinit[e->nxinit++] = tp;
}

/* a value_info for a tensor the lowering made; t's layout and q are ignored */
static void
pushvi(Emit *e, const char *name, DType dt, const Type *shape)
{
	Type t = *shape;

	t.dt = dt;
	t.q = NULL;
	if (e->nxvi == e->capxvi) {
		size_t cap = e->capxvi ? 2 * e->capxvi : 64;
		Onnx__ValueInfoProto **p = newarr(e, cap, sizeof *p);

		if (e->nxvi)
			memcpy(p, e->xvi, e->nxvi * sizeof *p);
		e->xvi = p;
		e->capxvi = cap;
	}
	e->xvi[e->nxvi++] = valueinfo(e, name, &t);
}

/* base, or base_1, base_2, ... : the first name not in nm, now taken */
static const char *
fresh(Emit *e, NameMap *nm, const char *base)
{
	const char *s = base;
	int n;

	for (n = 1; namemap_get(nm, s) >= 0; n++)
		s = arena_printf(e->a, "%s_%d", base, n);
	namemap_put(nm, s, 0);
	return s;
}

/* name without a trailing "_quantized" */
static const char *
stripq(Emit *e, const char *name)
{
	static const char suf[] = "_quantized";
	size_t n = strlen(name), k = sizeof suf - 1;

	if (n > k && strcmp(name + n - k, suf) == 0)
		return arena_strndup(e->a, name, n - k);
	return name;
}

/* operand r's name, for a lowered node: a constant it names stays written */
static const char *
opname(Emit *e, Ref r)
{
	if (r.kind == Rcst)
		e->cstref[r.idx] = true;
	return ir_refname(e->m, r);
}

static Cst *
newcst(Emit *e, const char *name, DType dt, int rank, const int64_t *dim,
    void *data, size_t nbytes)
{
	Cst *c = arena_alloc(e->a, sizeof *c);

	c->name = name;
	c->type = type_make(dt, rank, dim);
	c->data = data;
	c->nbytes = nbytes;
	pushinit(e, tensorproto(e, c));
	return c;
}

static QParam *
refq(Emit *e, const Ins *in, Ref r)
{
	Type *t = ir_reftype(e->m, r);

	if (!t || !t->q)
		ir_error(e->m, in, "operand '%s' is not quantized",
		    ir_refname(e->m, r));
	return t->q;
}

/* The scale and zero-point initializers of quantized operand r (made on
 * first use) */
static void
qparams(Emit *e, const Ins *in, Ref r, const char **s, const char **z)
{
	Module *m = e->m;
	const Type *t = ir_reftype(m, r);
	const QParam *q = refq(e, in, r);
	const char **ps, **pz;
	const char *base;
	int64_t n = q->n;
	int rank = q->axis < 0 ? 0 : 1;
	void *zd;
	size_t zsz;
	int k;

	ps = r.kind == Rval ? &e->vscale[r.idx] : &e->cscale[r.idx];
	pz = r.kind == Rval ? &e->vzero[r.idx] : &e->czero[r.idx];
	if (!*ps) {
		if (q->n < 1 || (q->axis < 0 && q->n != 1))
			ir_error(m, in, "operand '%s' has malformed quantization "
			    "parameters", ir_refname(m, r));
		base = stripq(e, ir_refname(m, r));
		*ps = fresh(e, e->tensors, arena_printf(e->a, "%s_scale",
		    base));
		*pz = fresh(e, e->tensors, arena_printf(e->a, "%s_zero_point",
		    base));
		newcst(e, *ps, Df32, rank, &n,
		    arena_memdup(e->a, q->scale, (size_t)n * sizeof(float)),
		    (size_t)n * sizeof(float));
		zsz = dtype_size(t->dt);
		if (t->dt != Di8 && t->dt != Du8 && t->dt != Di32)
			ir_error(m, in, "quantized operand '%s' must be i8, u8 "
			    "or i32", ir_refname(m, r));
		zd = arena_alloc(e->a, (size_t)n * zsz);
		for (k = 0; k < n; k++) {
			int8_t i8 = (int8_t)q->zero[k];
			uint8_t u8 = (uint8_t)q->zero[k];

			if (t->dt == Di8)
				memcpy((int8_t *)zd + k, &i8, 1);
			else if (t->dt == Du8)
				memcpy((uint8_t *)zd + k, &u8, 1);
			else
				memcpy((int32_t *)zd + k, &q->zero[k], 4);
		}
		newcst(e, *pz, t->dt, rank, &n, zd, (size_t)n * zsz);
	}
	*s = *ps;
	*z = *pz;
}

static Onnx__AttributeProto *
intattr(Emit *e, const char *name, int64_t v)
{
	Onnx__AttributeProto *ap;

	ap = NEW(e, Onnx__AttributeProto, attribute_proto);
	ap->name = str(name);
	ap->has_type = 1;
	ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	ap->has_i = 1;
	ap->i = v;
	return ap;
}

static Onnx__AttributeProto *
intsattr(Emit *e, const char *name, int n, const int64_t *v)
{
	Onnx__AttributeProto *ap;

	ap = NEW(e, Onnx__AttributeProto, attribute_proto);
	ap->name = str(name);
	ap->has_type = 1;
	ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	ap->n_ints = (size_t)n;
	ap->ints = arena_memdup(e->a, v, (size_t)n * sizeof *v);
	return ap;
}

static void
addattr(Emit *e, Onnx__NodeProto *np, Onnx__AttributeProto *ap)
{
	Onnx__AttributeProto **p;

	p = newarr(e, np->n_attribute + 1, sizeof *p);
	if (np->n_attribute)
		memcpy(p, np->attribute, np->n_attribute * sizeof *p);
	p[np->n_attribute++] = ap;
	np->attribute = p;
}

/* in's attributes, except the one named skip (NULL: none) */
static void
copyattrs(Emit *e, Onnx__NodeProto *np, const Ins *in, const char *skip)
{
	int k;

	for (k = 0; k < in->nattr; k++)
		if (!skip || strcmp(in->attr[k].name, skip) != 0)
			addattr(e, np, attrproto(e, in, &in->attr[k]));
}

/* A node with one output, appended to the lowered list */
static Onnx__NodeProto *
mknode(Emit *e, const char *optype, const char *domain, const char *name,
    int nin, const char *const *inputs, const char *out)
{
	Onnx__NodeProto *np;
	int k;

	np = NEW(e, Onnx__NodeProto, node_proto);
	np->name = str(nonempty(name));
	np->op_type = str(optype);
	np->domain = str(domain);
	if (strcmp(domain, "com.microsoft") == 0)
		e->msdomain = true;
	while (nin > 0 && !inputs[nin - 1][0])	/* trailing omitted */
		nin--;
	np->n_input = (size_t)nin;
	np->input = newarr(e, (size_t)nin, sizeof *np->input);
	for (k = 0; k < nin; k++)
		np->input[k] = str(inputs[k]);
	np->n_output = 1;
	np->output = newarr(e, 1, sizeof *np->output);
	np->output[0] = str(out);
	pushnode(e, np);
	return np;
}

/* the main node's name: the instruction's; "" when it has none */
static const char *
mainname(const Ins *in)
{
	return in->name ? in->name : "";
}

/* a helper node's name, after the instruction (or its result) */
static const char *
helpername(Emit *e, const Ins *in, const char *what)
{
	const char *base = in->name && in->name[0] ? in->name :
	    e->m->val[in->out[0]].name;

	return fresh(e, e->nodes, arena_printf(e->a, "%s_%s", base, what));
}

/* axis attribute of a per-axis QuantizeLinear / DequantizeLinear */
static void
qaxis(Emit *e, const Ins *in, Onnx__NodeProto *np, const QParam *q)
{
	if (q->axis < 0)
		return;
	if (e->opset < 13)
		ir_error(e->m, in, "per-axis quantization needs opset 13 "
		    "(the model has %lld)", (long long)e->opset);
	addattr(e, np, intattr(e, "axis", q->axis));
}

/*
 * Dynamic quantization (--dynamic, doc/quantization.md section 8.4): a conv,
 * matmul or gemm with a quantized result and an f32 activation operand x
 * quantizes x at run time.  int8, the seed's subgraph (§2.4) with a guard:
 *   ReduceMin(x) -> <x>_ReduceMin:0, ReduceMax(x) -> <x>_ReduceMax:0
 *   (keepdims 0), Abs of each, Max -> <x>_Abs_Max:0, Max with 1e-8
 *   -> <x>_Abs_Max_guarded:0, Div by 127 -> <x>_scale, QuantizeLinear(x,
 *   <x>_scale, int8 0) -> <x>_quantized;
 * uint8: DynamicQuantizeLinear(x) -> <x>_quantized, <x>_scale,
 * <x>_zero_point.  An f32 bias b of such an op: Mul(xs, ws) -> <b>_scale,
 * Div(b, <b>_scale) -> Round -> Clip to [-2^31, 2^31 - 128] -> Cast(INT32)
 * -> <b>_quantized (the seed's Floor is round half to even here; the Clip
 * makes an overflowing quotient saturate instead of the Cast's undefined
 * result).  One subgraph per value, shared by its dynamic consumers.
 */

/* a conv, gemm or matmul whose result is quantized and some activation
 * operand f32: the dynamic form */
static bool
dynop(Emit *e, const Ins *in)
{
	Type *t;
	int k;

	if ((in->op != Oconv && in->op != Ogemm && in->op != Omatmul) ||
	    in->nout < 1 || in->out[0] < 0 || !e->m->val[in->out[0]].type.q)
		return false;
	for (k = 0; k < 2 && k < in->nin; k++) {
		t = ir_reftype(e->m, in->in[k]);
		if (in->in[k].kind == Rval && t && !t->q && t->dt == Df32)
			return true;
	}
	return false;
}

/* a scalar float initializer made once: *slot */
static const char *
fconst(Emit *e, const char **slot, const char *base, float v)
{
	float *d;

	if (!*slot) {
		d = arena_alloc(e->a, sizeof *d);
		*d = v;
		*slot = fresh(e, e->tensors, base);
		newcst(e, *slot, Df32, 0, NULL, d, sizeof *d);
	}
	return *slot;
}

/* a new float scalar tensor named base (made unique) from one node */
static const char *
fstep(Emit *e, const char *optype, const char *node, int nin,
    const char *const *inputs, const char *base)
{
	static const Type scalar = { .dt = Df32, .rank = 0 };
	const char *out = fresh(e, e->tensors, base);

	mknode(e, optype, "", fresh(e, e->nodes, node), nin, inputs, out);
	pushvi(e, out, Df32, &scalar);
	return out;
}

/* the run-time quantization of f32 value v for dynamic op in: out[0..2] =
 * [xq, xs, xz], made on first use */
static void
dynoperand(Emit *e, const Ins *in, int v, const char **out)
{
	Module *m = e->m;
	const char **d = &e->dynq[3 * v], *x = m->val[v].name, *mn, *mx;
	DType dt = m->val[in->out[0]].type.dt;
	Onnx__NodeProto *np;
	int8_t *zd;
	int k;

	if (!d[0]) {
		if (dt != Di8 && dt != Du8)
			ir_error(m, in, "a dynamically quantized op needs an i8 "
			    "or u8 result");
		if (e->opset < 11)
			ir_error(m, in, "dynamic quantization needs opset 11 "
			    "(DynamicQuantizeLinear, Round; the model has %lld)",
			    (long long)e->opset);
		if (dt == Du8) {
			np = mknode(e, "DynamicQuantizeLinear", "", fresh(e,
			    e->nodes, arena_printf(e->a, "%s_QuantizeLinear", x)),
			    1, (const char *[]){ x }, "");
			np->n_output = 3;
			np->output = newarr(e, 3, sizeof *np->output);
			d[0] = fresh(e, e->tensors, arena_printf(e->a,
			    "%s_quantized", x));
			d[1] = fresh(e, e->tensors, arena_printf(e->a, "%s_scale",
			    x));
			d[2] = fresh(e, e->tensors, arena_printf(e->a,
			    "%s_zero_point", x));
			for (k = 0; k < 3; k++)
				np->output[k] = str(d[k]);
			{
				static const Type scalar = { .dt = Du8, .rank = 0 };

				pushvi(e, d[0], Du8, &m->val[v].type);
				pushvi(e, d[1], Df32, &scalar);
				pushvi(e, d[2], Du8, &scalar);
			}
		} else {
			np = mknode(e, "ReduceMin", "", fresh(e, e->nodes,
			    arena_printf(e->a, "%s_ReduceMin", x)), 1,
			    (const char *[]){ x }, mn = fresh(e, e->tensors,
			    arena_printf(e->a, "%s_ReduceMin:0", x)));
			addattr(e, np, intattr(e, "keepdims", 0));
			pushvi(e, mn, Df32, &(Type){ .dt = Df32, .rank = 0 });
			np = mknode(e, "ReduceMax", "", fresh(e, e->nodes,
			    arena_printf(e->a, "%s_ReduceMax", x)), 1,
			    (const char *[]){ x }, mx = fresh(e, e->tensors,
			    arena_printf(e->a, "%s_ReduceMax:0", x)));
			addattr(e, np, intattr(e, "keepdims", 0));
			pushvi(e, mx, Df32, &(Type){ .dt = Df32, .rank = 0 });
			mn = fstep(e, "Abs", arena_printf(e->a, "%s_ReduceMin_Abs",
			    x), 1, (const char *[]){ mn }, arena_printf(e->a,
			    "%s_ReduceMin_Abs:0", x));
			mx = fstep(e, "Abs", arena_printf(e->a, "%s_ReduceMax_Abs",
			    x), 1, (const char *[]){ mx }, arena_printf(e->a,
			    "%s_ReduceMax_Abs:0", x));
			mx = fstep(e, "Max", arena_printf(e->a, "%s_Abs_Max", x),
			    2, (const char *[]){ mn, mx }, arena_printf(e->a,
			    "%s_Abs_Max:0", x));
			mx = fstep(e, "Max", arena_printf(e->a, "%s_Abs_Max_guard",
			    x), 2, (const char *[]){ mx, fconst(e, &e->keps,
			    "fixed_min_range_int8", 1e-8f) }, arena_printf(e->a,
			    "%s_Abs_Max_guarded:0", x));
			d[1] = fstep(e, "Div", arena_printf(e->a, "%sscale_Div", x),
			    2, (const char *[]){ mx, fconst(e, &e->kr127,
			    "fixed_quantization_range_int8", 127.0f) },
			    arena_printf(e->a, "%s_scale", x));
			if (!e->kzp) {
				zd = arena_alloc(e->a, 1);
				*zd = 0;
				e->kzp = fresh(e, e->tensors, "fixed_zero_zp");
				newcst(e, e->kzp, Di8, 0, NULL, zd, 1);
			}
			d[2] = e->kzp;
			d[0] = fresh(e, e->tensors, arena_printf(e->a,
			    "%s_quantized", x));
			mknode(e, "QuantizeLinear", "", fresh(e, e->nodes,
			    arena_printf(e->a, "%s_QuantizeLinear", x)), 3,
			    (const char *[]){ x, d[1], d[2] }, d[0]);
			pushvi(e, d[0], Di8, &m->val[v].type);
		}
	}
	for (k = 0; k < 3; k++)
		out[k] = d[k];
}

/* the run-time int32 bias of dynamic op in from its f32 constant operand k,
 * x's scale tensor xs */
static const char *
dynbias(Emit *e, const Ins *in, int k, const char *xs)
{
	Module *m = e->m;
	const Cst *c = &m->cst[in->in[k].idx];
	const char *b = opname(e, in->in[k]), *ws, *wz, *t, *out;
	Onnx__NodeProto *np;
	Type bt = c->type;

	qparams(e, in, in->in[1], &ws, &wz);
	bt.q = NULL;
	t = fresh(e, e->tensors, arena_printf(e->a, "%s_scale", b));
	mknode(e, "Mul", "", fresh(e, e->nodes, arena_printf(e->a,
	    "%s_scale_node", b)), 2, (const char *[]){ xs, ws }, t);
	{
		const QParam *qw = refq(e, in, in->in[1]);
		int64_t n = qw->n;

		Type st = type_make(Df32, qw->axis < 0 ? 0 : 1, &n);

		pushvi(e, t, Df32, &st);
	}
	out = fresh(e, e->tensors, arena_printf(e->a, "%s_tmp_quant:0", b));
	mknode(e, "Div", "", fresh(e, e->nodes, arena_printf(e->a,
	    "%s_tmp_quant", b)), 2, (const char *[]){ b, t }, out);
	pushvi(e, out, Df32, &bt);
	t = out;
	out = fresh(e, e->tensors, arena_printf(e->a, "%s_quant_rounded:0", b));
	mknode(e, "Round", "", fresh(e, e->nodes, arena_printf(e->a,
	    "%s_quant_round", b)), 1, (const char *[]){ t }, out);
	pushvi(e, out, Df32, &bt);
	t = out;
	out = fresh(e, e->tensors, arena_printf(e->a, "%s_quant_clipped:0", b));
	mknode(e, "Clip", "", fresh(e, e->nodes, arena_printf(e->a,
	    "%s_quant_clip", b)), 3, (const char *[]){ t,
	    fconst(e, &e->ki32lo, "fixed_int32_min", -2147483648.0f),
	    fconst(e, &e->ki32hi, "fixed_int32_max", 2147483520.0f) }, out);
	pushvi(e, out, Df32, &bt);
	t = out;
	out = fresh(e, e->tensors, arena_printf(e->a, "%s_quantized", b));
	np = mknode(e, "Cast", "", fresh(e, e->nodes, arena_printf(e->a,
	    "%s_quantized_node", b)), 1, (const char *[]){ t }, out);
	addattr(e, np, intattr(e, "to", ONNX__TENSOR_PROTO__DATA_TYPE__INT32));
	pushvi(e, out, Di32, &bt);
	return out;
}

/* DequantizeLinear of operand r into a new float tensor; returns its name */
static const char *
dqoperand(Emit *e, const Ins *in, Ref r, const char *nodename)
{
	const char *x = opname(e, r), *s, *z, *out;
	Onnx__NodeProto *np;

	qparams(e, in, r, &s, &z);
	out = fresh(e, e->tensors, arena_printf(e->a, "%s_dequantized",
	    stripq(e, x)));
	np = mknode(e, "DequantizeLinear", "", nodename ? nodename :
	    helpername(e, in, "DequantizeLinear"), 3,
	    (const char *[]){ x, s, z }, out);
	qaxis(e, in, np, refq(e, in, r));
	pushvi(e, out, Df32, ir_reftype(e->m, r));
	return out;
}

/* QuantizeLinear of float tensor x into in's result */
static void
qresult(Emit *e, const Ins *in, const char *x, const char *nodename)
{
	Ref y = ref_val(in->out[0]);
	const char *s, *z;
	Onnx__NodeProto *np;

	qparams(e, in, y, &s, &z);
	np = mknode(e, "QuantizeLinear", "", nodename, 3,
	    (const char *[]){ x, s, z }, opname(e, y));
	qaxis(e, in, np, refq(e, in, y));
}

/* ONNX_QDQ: dequantize every quantized operand, the float op, quantize */
static void
lower_qdq(Emit *e, const Ins *in)
{
	Module *m = e->m;
	const char **inputs = newarr(e, (size_t)in->nin + 1, sizeof *inputs);
	const Type *yt = &m->val[in->out[0]].type;
	const char *y;
	Onnx__NodeProto *np;
	int k;

	for (k = 0; k < in->nin; k++) {
		Type *t = ir_reftype(m, in->in[k]);

		if (k < 2 && dynop(e, in) && t && !t->q && t->dt == Df32 &&
		    in->in[k].kind == Rval) {
			/* a dynamic operand: quantized at run time, then
			 * dequantized like the others */
			const char *d[3], *out;
			Type *vt = &e->m->val[in->in[k].idx].type;

			dynoperand(e, in, in->in[k].idx, d);
			out = fresh(e, e->tensors, arena_printf(e->a,
			    "%s_dequantized", stripq(e, d[0])));
			mknode(e, "DequantizeLinear", "", helpername(e, in,
			    "DequantizeLinear"), 3, d, out);
			pushvi(e, out, Df32, vt);
			inputs[k] = out;
			continue;
		}
		inputs[k] = t && t->q ? dqoperand(e, in, in->in[k], NULL) :
		    opname(e, in->in[k]);
	}
	if (in->nout != 1)
		ir_error(m, in, "a quantized op must have one result");
	y = yt->q ? fresh(e, e->tensors, arena_printf(e->a, "%s_float",
	    stripq(e, m->val[in->out[0]].name))) : m->val[in->out[0]].name;
	np = mknode(e, optab[in->op].onnx, "", mainname(in), in->nin, inputs,
	    y);
	copyattrs(e, np, in, NULL);
	if (yt->q) {
		pushvi(e, y, Df32, yt);
		qresult(e, in, y, helpername(e, in, "QuantizeLinear"));
	}
}

/* [x, xs, xz] for operand k of in, at out[0..2]; an f32 operand (a
 * dynamic op's) is quantized at run time (dynoperand) */
static void
qoperand(Emit *e, const Ins *in, int k, const char **out)
{
	Type *t = ir_reftype(e->m, in->in[k]);

	if (t && !t->q && t->dt == Df32 && in->in[k].kind == Rval) {
		dynoperand(e, in, in->in[k].idx, out);
		return;
	}
	out[0] = opname(e, in->in[k]);
	qparams(e, in, in->in[k], &out[1], &out[2]);
}

/* [ys, yz] of in's result, at out[0..1] */
static void
qout(Emit *e, const Ins *in, const char **out)
{
	qparams(e, in, ref_val(in->out[0]), &out[0], &out[1]);
}

static void
pertensor(Emit *e, const Ins *in, int k, const char *what)
{
	if (refq(e, in, in->in[k])->axis >= 0)
		ir_error(e->m, in, "the %s target takes no per-axis %s",
		    e->m->target, what);
}

/* The i32 bias operand k (or "" when omitted); an f32 bias constant (a
 * dynamic op's) is quantized at run time at scale xs * (the weight's) */
static const char *
biasoperand(Emit *e, const Ins *in, int k, const char *xs)
{
	Type *t;

	if (k >= in->nin || in->in[k].kind == Rnone)
		return "";
	t = ir_reftype(e->m, in->in[k]);
	if (in->in[k].kind == Rcst && t->dt == Df32 && !t->q)
		return dynbias(e, in, k, xs);
	if (in->in[k].kind != Rcst || t->dt != Di32)
		ir_error(e->m, in, "the bias '%s' must be an i32 constant",
		    ir_refname(e->m, in->in[k]));
	return opname(e, in->in[k]);
}

/* conv / conv_transpose as optype(x, xs, xz, w, ws, wz, ys, yz, [b]) */
static void
lower_qconv(Emit *e, const Ins *in, const char *optype)
{
	const char *v[9];
	Onnx__NodeProto *np;

	qoperand(e, in, 0, v);
	qoperand(e, in, 1, v + 3);
	qout(e, in, v + 6);
	v[8] = biasoperand(e, in, 2, v[1]);
	np = mknode(e, optype, "", mainname(in), 9, v,
	    opname(e, ref_val(in->out[0])));
	copyattrs(e, np, in, NULL);
}

/* matmul, add, mul: optype(a, as, az, b, bs, bz, ys, yz) */
static void
lower_qbinary(Emit *e, const Ins *in, const char *optype, const char *domain)
{
	const char *v[8];
	Onnx__NodeProto *np;

	qoperand(e, in, 0, v);
	qoperand(e, in, 1, v + 3);
	qout(e, in, v + 6);
	np = mknode(e, optype, domain, mainname(in), 8, v,
	    opname(e, ref_val(in->out[0])));
	copyattrs(e, np, in, NULL);
}

/* leaky_relu, sigmoid, the pools: optype(x, xs, xz, ys, yz) */
static Onnx__NodeProto *
lower_qunary(Emit *e, const Ins *in, const char *optype, const char *domain)
{
	const char *v[5];

	qoperand(e, in, 0, v);
	qout(e, in, v + 3);
	return mknode(e, optype, domain, mainname(in), 5, v,
	    opname(e, ref_val(in->out[0])));
}

static void
gemmattrs(Emit *e, const Ins *in)
{
	if (ir_attrint(in, "transA", 0) != 0)
		ir_error(e->m, in, "a quantized gemm must have transA = 0");
	if (ir_attrfloat(in, "beta", 1.0f) != 1.0f ||
	    (e->target == Tsystolic && ir_attrfloat(in, "alpha", 1.0f) != 1.0f))
		ir_error(e->m, in, "a quantized gemm must have alpha = beta = 1");
}

/* ort: com.microsoft QGemm(a, as, az, b, bs, bz, [c], ys, yz) */
static void
lower_qgemm(Emit *e, const Ins *in)
{
	const char *v[9];
	Onnx__NodeProto *np;

	gemmattrs(e, in);
	qoperand(e, in, 0, v);
	qoperand(e, in, 1, v + 3);
	v[6] = biasoperand(e, in, 2, v[1]);
	qout(e, in, v + 7);
	np = mknode(e, "QGemm", "com.microsoft", mainname(in), 9, v,
	    opname(e, ref_val(in->out[0])));
	copyattrs(e, np, in, "beta");
}

/* name with its suffix suf replaced by "_hwio" (appended when absent),
 * made unique */
static const char *
hwioname(Emit *e, const char *name, const char *suf)
{
	size_t n = strlen(name), k = strlen(suf);

	if (k && n > k && strcmp(name + n - k, suf) == 0)
		name = arena_strndup(e->a, name, n - k);
	return fresh(e, e->tensors, arena_printf(e->a, "%s_hwio", name));
}

/*
 * The weight of a QLinearConv_nhwc: HWIO [KH, KW, CI/g, CO], the fork's
 * "Must be in HWIO format" (seed §4.1, §4.3).  weight-pack's hwio constant
 * is that already; a ckk depthwise constant [C, KH, KW] becomes
 * [KH, KW, 1, C] and an oihw one [CO, CI/g, KH, KW] (no weight-pack) is
 * reordered: w[((kh·KW + kw)·CI + ci)·CO + co] = W[co][ci][kh][kw].  One
 * copy per constant.  The result's dims are stored at dim.
 */
static const char *
hwioweight(Emit *e, const Ins *in, int64_t *dim)
{
	Module *m = e->m;
	Ref r = in->in[1];
	Cst *c;
	const uint8_t *src;
	uint8_t *dst;
	size_t es;
	int64_t co, ci, kh, kw, o, i, h, w;
	int k;

	if (r.kind != Rcst)
		ir_error(m, in, "a conv with an nhwc input needs a constant "
		    "weight");
	c = &m->cst[r.idx];
	es = dtype_size(c->type.dt);
	if (c->type.layout == Lhwio) {
		if (c->type.rank != 4)
			ir_error(m, in, "an hwio weight must be 4-D");
		for (k = 0; k < 4; k++)
			dim[k] = c->type.dim[k];
		return opname(e, r);
	}
	if (c->type.layout == Lckk) {
		if (c->type.rank != 3)
			ir_error(m, in, "a ckk weight must be 3-D");
		co = c->type.dim[0], ci = 1;
		kh = c->type.dim[1], kw = c->type.dim[2];
	} else if (c->type.layout == Loihw || c->type.layout == Lnone) {
		if (c->type.rank != 4)
			ir_error(m, in, "a conv with an nhwc input needs a 4-D "
			    "weight");
		co = c->type.dim[0], ci = c->type.dim[1];
		kh = c->type.dim[2], kw = c->type.dim[3];
	} else {
		ir_error(m, in, "a conv weight cannot have layout %s",
		    layout_name(c->type.layout));
	}
	dim[0] = kh, dim[1] = kw, dim[2] = ci, dim[3] = co;
	if (e->chwio[r.idx])
		return e->chwio[r.idx];
	if (es == 0 || c->nbytes != (size_t)(co * ci * kh * kw) * es)
		ir_error(m, in, "the weight '%s' has %zu bytes for its type",
		    c->name, c->nbytes);
	src = c->data;
	dst = arena_alloc(e->a, c->nbytes ? c->nbytes : 1);
	for (o = 0; o < co; o++)
		for (i = 0; i < ci; i++)
			for (h = 0; h < kh; h++)
				for (w = 0; w < kw; w++)
					memcpy(dst + (size_t)(((h * kw + w) *
					    ci + i) * co + o) * es, src +
					    (size_t)(((o * ci + i) * kh + h) *
					    kw + w) * es, es);
	e->chwio[r.idx] = hwioname(e, c->name,
	    c->type.layout == Lckk ? "_ckk" : "");
	newcst(e, e->chwio[r.idx], c->type.dt, 4, dim, dst, c->nbytes);
	return e->chwio[r.idx];
}

/* ints attribute name of in into v[0..n-1], dflt where absent */
static void
intsof(const Ins *in, const char *name, int n, int64_t *v, int64_t dflt)
{
	Attr *a = ir_getattr(in, name);
	int k;

	for (k = 0; k < n; k++)
		v[k] = a && a->kind == Aints && k < a->n ? a->ints[k] : dflt;
}

/*
 * Does the fork run conv in (nhwc, weight dims wd in HWIO) on its Gemmini
 * path (seed §5.5 Path 1: group 1, square input, pre-pool output and
 * kernel, dilations 1, four equal pads, equal strides; with a fused pool a
 * square pool kernel, equal pool strides, pool_pads[0] == pool_pads[1])?
 * Only there do the pool's padding cells count as 0, as in the IR; Path 2
 * ignores them.
 */
static bool
gemminipath(Emit *e, const Ins *in, const int64_t *wd)
{
	const Type *xt = ir_reftype(e->m, in->in[0]);
	int64_t st[2], pd[4], dl[2], pk[2], ps[2], pp[4], oh, ow;

	intsof(in, "strides", 2, st, 1);
	intsof(in, "pads", 4, pd, 0);
	intsof(in, "dilations", 2, dl, 1);
	intsof(in, "pool_kernel_shape", 2, pk, 1);
	intsof(in, "pool_strides", 2, ps, 1);
	intsof(in, "pool_pads", 4, pp, 0);
	if (xt->rank != 4 || st[0] < 1 || st[1] < 1)
		return false;
	oh = (xt->dim[1] + pd[0] + pd[2] - (wd[0] - 1) - 1) / st[0] + 1;
	ow = (xt->dim[2] + pd[1] + pd[3] - (wd[1] - 1) - 1) / st[1] + 1;
	return ir_attrint(in, "group", 1) == 1 && xt->dim[1] == xt->dim[2] &&
	    oh == ow && wd[0] == wd[1] && dl[0] == 1 && dl[1] == 1 &&
	    pd[0] == pd[1] && pd[1] == pd[2] && pd[2] == pd[3] &&
	    st[0] == st[1] && (ir_attrint(in, "maxpool", 0) == 0 ||
	    (pk[0] == pk[1] && ps[0] == ps[1] && pp[0] == pp[1]));
}

/* systolic, a conv whose input is nhwc: the fork's QLinearConv_nhwc(x, xs,
 * xz, w (HWIO), ws, wz, ys, yz, [b]) with the instruction's attributes
 * (relu, maxpool, pool_* from relu-fuse keep their names, which are the
 * fork schema's) and kernel_shape from the weight when the instruction
 * has none (the fork's schema could only infer it from an OIHW weight) */
static void
lower_qconvnhwc(Emit *e, const Ins *in)
{
	const char *v[9];
	int64_t dim[4];
	Onnx__NodeProto *np;

	qoperand(e, in, 0, v);
	v[3] = hwioweight(e, in, dim);
	if (ir_attrint(in, "maxpool", 0) != 0 &&
	    ir_attrint(in, "relu", 0) == 0 && !gemminipath(e, in, dim)) {
		int64_t pp[4];

		intsof(in, "pool_pads", 4, pp, 0);
		if (pp[0] || pp[1] || pp[2] || pp[3])
			ir_error(e->m, in, "the fork's QLinearConv_nhwc would "
			    "ignore this fused pool's padding (not its Gemmini "
			    "path, no relu), which the IR counts as 0");
	}
	qparams(e, in, in->in[1], &v[4], &v[5]);
	qout(e, in, v + 6);
	v[8] = biasoperand(e, in, 2, v[1]);
	np = mknode(e, "QLinearConv_nhwc", "", mainname(in), 9, v,
	    opname(e, ref_val(in->out[0])));
	copyattrs(e, np, in, NULL);
	if (!ir_getattr(in, "kernel_shape"))
		addattr(e, np, intsattr(e, "kernel_shape", 2, dim));
}

/*
 * systolic, a max_pool on an nhwc value that relu-fuse did not fuse into
 * its conv: the fork has an int8 MaxPool only in NCHW on its CPU EP (its
 * MaxPool_nhwc kernel is float-only, seed §4.2, so an int8 one is not
 * confirmed), so it is written Transpose([0,3,1,2]) -> MaxPool (the
 * instruction's attributes) -> Transpose([0,2,3,1]).
 */
static void
lower_maxpoolnhwc(Emit *e, const Ins *in)
{
	static const int64_t tonchw[4] = { 0, 3, 1, 2 }, tonhwc[4] = { 0, 2, 3, 1 };
	Module *m = e->m;
	const Type *xt = ir_reftype(m, in->in[0]);
	const Type *yt = &m->val[in->out[0]].type;
	const char *x, *xn, *yn;
	Onnx__NodeProto *np;
	Type t;
	int k;

	if (in->nout > 1 && in->out[1] >= 0)
		ir_error(m, in, "an nhwc max_pool has no indices output");
	if (xt->rank != 4 || yt->rank != 4)
		ir_error(m, in, "an nhwc max_pool must be 2-D");
	if (xt->q && e->opset < 12)
		ir_error(m, in, "a quantized max_pool needs opset 12 (the model "
		    "has %lld)", (long long)e->opset);
	x = opname(e, in->in[0]);
	xn = fresh(e, e->tensors, arena_printf(e->a, "%s_nchw", x));
	np = mknode(e, "Transpose", "", helpername(e, in, "to_nchw"), 1,
	    (const char *[]){ x }, xn);
	addattr(e, np, intsattr(e, "perm", 4, tonchw));
	t = *xt;
	for (k = 0; k < 4; k++)
		t.dim[k] = xt->dim[tonchw[k]], t.sym[k] = xt->sym[tonchw[k]];
	pushvi(e, xn, xt->dt, &t);

	yn = fresh(e, e->tensors, arena_printf(e->a, "%s_nchw",
	    m->val[in->out[0]].name));
	np = mknode(e, "MaxPool", "", mainname(in), 1,
	    (const char *[]){ xn }, yn);
	copyattrs(e, np, in, NULL);
	t = *yt;
	for (k = 0; k < 4; k++)
		t.dim[k] = yt->dim[tonchw[k]], t.sym[k] = yt->sym[tonchw[k]];
	pushvi(e, yn, yt->dt, &t);

	np = mknode(e, "Transpose", "", helpername(e, in, "to_nhwc"), 1,
	    (const char *[]){ yn }, opname(e, ref_val(in->out[0])));
	addattr(e, np, intsattr(e, "perm", 4, tonhwc));
}

/* systolic, matmul with relu = 1: QLinearMatMul -> QLinearRelu (the fork
 * fuses no relu into QLinearMatMul, seed §5.6) */
static void
lower_matmulrelu(Emit *e, const Ins *in)
{
	Module *m = e->m;
	const Type *yt = &m->val[in->out[0]].type;
	const char *v[8], *t;
	Onnx__NodeProto *np;

	qoperand(e, in, 0, v);
	qoperand(e, in, 1, v + 3);
	qout(e, in, v + 6);
	t = fresh(e, e->tensors, arena_printf(e->a, "%s_prerelu",
	    m->val[in->out[0]].name));
	np = mknode(e, "QLinearMatMul", "", mainname(in), 8, v, t);
	copyattrs(e, np, in, "relu");
	pushvi(e, t, yt->dt, yt);
	mknode(e, "QLinearRelu", "", helpername(e, in, "QLinearRelu"), 1,
	    (const char *[]){ t }, opname(e, ref_val(in->out[0])));
}

/*
 * systolic: gemm as a 1x1 conv between two Reshapes.  B as written by
 * ONNX (-O1): a to [M, K, 1, 1], QLinearConv with weight [N, K, 1, 1],
 * back to [M, N].  B packed kn [K, N] (weight-pack, -O2): a to
 * [M, 1, 1, K], QLinearConv_nhwc with the HWIO weight [1, 1, K, N] (the kn
 * bytes as they are), back to [M, N].  relu = 1 (relu-fuse) becomes the
 * conv's relu attribute.
 */
static void
lower_gemmconv(Emit *e, const Ins *in)
{
	Module *m = e->m;
	Ref a = in->in[0], b = in->in[1], y = ref_val(in->out[0]);
	const Type *at = ir_reftype(m, a), *yt = &m->val[y.idx].type;
	Cst *bc;
	bool transb = ir_attrint(in, "transB", 0) != 0, nhwc;
	int64_t k, n, i, j, dim[4], *shape;
	const char *v[9], *xq[3], *a4, *y4, *w;
	const Type *at4;
	Onnx__NodeProto *np;
	int8_t *wd;
	Type t4;

	gemmattrs(e, in);
	pertensor(e, in, 1, "weight scale");
	if (b.kind != Rcst)
		ir_error(m, in, "a quantized gemm's B must be a constant");
	bc = &m->cst[b.idx];
	if (bc->type.rank != 2 || at->rank != 2 || dtype_size(bc->type.dt) != 1)
		ir_error(m, in, "a quantized gemm needs 2-D operands and an "
		    "8-bit B");
	nhwc = bc->type.layout == Lkn;
	if (nhwc && transb)
		ir_error(m, in, "a gemm with a kn B must have transB = 0");
	k = bc->type.dim[transb ? 1 : 0];
	n = bc->type.dim[transb ? 0 : 1];

	if (nhwc) {
		/* the HWIO weight [1, 1, K, N]: the kn bytes */
		dim[0] = dim[1] = 1, dim[2] = k, dim[3] = n;
		if (!e->chwio[b.idx]) {
			e->chwio[b.idx] = hwioname(e, bc->name, "_kn");
			newcst(e, e->chwio[b.idx], bc->type.dt, 4, dim,
			    bc->data, (size_t)(n * k));
		}
		w = e->chwio[b.idx];
	} else {
		/* the weight [N, K, 1, 1]: B itself when transB = 1, else
		 * B^T */
		dim[0] = n, dim[1] = k, dim[2] = dim[3] = 1;
		if (transb) {
			wd = bc->data;
		} else {
			wd = arena_alloc(e->a, (size_t)(n * k));
			for (i = 0; i < k; i++)
				for (j = 0; j < n; j++)
					wd[j * k + i] =
					    ((int8_t *)bc->data)[i * n + j];
		}
		w = fresh(e, e->tensors, arena_printf(e->a, "%s_4d",
		    bc->name));
		newcst(e, w, bc->type.dt, 4, dim, wd, (size_t)(n * k));
	}

	/* x: Reshape to [M, K, 1, 1] (nhwc: [M, 1, 1, K]) */
	shape = arena_alloc(e->a, 4 * sizeof *shape);
	shape[0] = -1, shape[1] = shape[2] = shape[3] = 1;
	shape[nhwc ? 3 : 1] = k;
	at4 = ir_reftype(m, a);
	if (!at4->q)			/* dynamic: a is quantized first */
		qoperand(e, in, 0, xq);
	else
		xq[0] = opname(e, a);
	v[1] = fresh(e, e->tensors, arena_printf(e->a, "%s_shape4d",
	    stripq(e, ir_refname(m, a))));
	newcst(e, v[1], Di64, 1, (int64_t[]){ 4 }, shape, 4 * sizeof *shape);
	a4 = fresh(e, e->tensors, arena_printf(e->a, "%s_4d", xq[0]));
	v[0] = xq[0];
	mknode(e, "Reshape", "", helpername(e, in, "Reshape_in"), 2, v, a4);
	t4 = type_make(yt->dt, 4, nhwc ? (int64_t[]){ at->dim[0], 1, 1, k } :
	    (int64_t[]){ at->dim[0], k, 1, 1 });
	pushvi(e, a4, yt->dt, &t4);

	/* QLinearConv[_nhwc](x4, xs, xz, w, ws, wz, ys, yz, [bias [N]]) */
	if (at4->q)
		qparams(e, in, a, &xq[1], &xq[2]);
	v[1] = xq[1];
	v[2] = xq[2];
	v[0] = a4;
	v[3] = w;
	qparams(e, in, b, &v[4], &v[5]);
	qout(e, in, v + 6);
	v[8] = biasoperand(e, in, 2, v[1]);
	if (v[8][0] && in->in[2].kind == Rcst &&
	    m->cst[in->in[2].idx].type.dt == Di32) {
		Cst *c = &m->cst[in->in[2].idx];

		if (!(c->type.rank == 1 && c->type.dim[0] == n) &&
		    !(c->type.rank == 2 && c->type.dim[0] == 1 &&
		    c->type.dim[1] == n))
			ir_error(m, in, "the systolic target needs a gemm bias "
			    "of shape [N] or [1, N]");
		if (c->type.rank == 2) {
			v[8] = fresh(e, e->tensors, arena_printf(e->a, "%s_1d",
			    c->name));
			newcst(e, v[8], Di32, 1, &n, c->data, c->nbytes);
		}
	}
	y4 = fresh(e, e->tensors, arena_printf(e->a, "%s_4d",
	    m->val[y.idx].name));
	np = mknode(e, nhwc ? "QLinearConv_nhwc" : "QLinearConv", "",
	    mainname(in), 9, v, y4);
	if (nhwc)
		addattr(e, np, intsattr(e, "kernel_shape", 2,
		    (int64_t[]){ 1, 1 }));
	if (ir_attrint(in, "relu", 0) != 0)
		addattr(e, np, intattr(e, "relu", 1));
	t4 = type_make(yt->dt, 4, nhwc ? (int64_t[]){ at->dim[0], 1, 1, n } :
	    (int64_t[]){ at->dim[0], n, 1, 1 });
	pushvi(e, y4, yt->dt, &t4);

	/* y: Reshape to [M, N] */
	shape = arena_alloc(e->a, 2 * sizeof *shape);
	shape[0] = -1, shape[1] = n;
	v[1] = fresh(e, e->tensors, arena_printf(e->a, "%s_shape2d",
	    stripq(e, m->val[y.idx].name)));
	newcst(e, v[1], Di64, 1, (int64_t[]){ 2 }, shape, 2 * sizeof *shape);
	v[0] = y4;
	mknode(e, "Reshape", "", helpername(e, in, "Reshape_out"), 2, v,
	    opname(e, y));
}

/* Does in read an nhwc value as its data operand (operand 0)? */
static bool
nhwcin(Emit *e, const Ins *in)
{
	Type *t = in->nin > 0 ? ir_reftype(e->m, in->in[0]) : NULL;

	return t && t->layout == Lnhwc;
}

/* Does in use a form of the -O2 back half (nhwc data, a packed weight,
 * fused relu or pool)? */
static bool
o2form(Emit *e, const Ins *in)
{
	Type *t;
	int k;

	for (k = 0; k < in->nin; k++) {
		t = ir_reftype(e->m, in->in[k]);
		if (t && (t->layout == Lnhwc || t->layout == Lhwio ||
		    t->layout == Lckk || t->layout == Lkn))
			return true;
	}
	return ir_attrint(in, "relu", 0) != 0 ||
	    ir_attrint(in, "maxpool", 0) != 0;
}

/* Is instruction in a quantized op that lower() must rewrite? */
static bool
isquantop(Emit *e, const Ins *in)
{
	Type *t;

	switch (in->op) {
	case Oquantize:
	case Odequantize:
	case Orequantize:
		return true;
	case Oclip:	/* written as is: Clip on the codes */
		if (e->fmt == ONNX_QOPS)
			return false;
		/* fall through */
	case Oconv:
	case Oconv_transpose:
	case Ogemm:
	case Omatmul:
	case Oadd:
	case Omul:
	case Orelu:
	case Oleaky_relu:
	case Osigmoid:
	case Oaverage_pool:
	case Oglobal_average_pool:
		t = in->nin > 0 ? ir_reftype(e->m, in->in[0]) : NULL;
		return (t && t->q) || dynop(e, in);
	case Omax_pool:	/* systolic: in NCHW between two Transposes */
		return e->target == Tsystolic && nhwcin(e, in);
	default:
		return false;
	}
}

/* Check what the written form of a quantized instruction that is not
 * lowered needs; called for every instruction */
static void
checkplain(Emit *e, const Ins *in)
{
	Type *t = in->nin > 0 ? ir_reftype(e->m, in->in[0]) : NULL;

	if (!t || !t->q || in->op == Oopaque)
		return;
	/* int8 Clip, MaxPool: opset 12 */
	if ((in->op == Oclip || in->op == Omax_pool) && e->opset < 12)
		ir_error(e->m, in, "a quantized %s needs opset 12 (the model "
		    "has %lld)", optab[in->op].name, (long long)e->opset);
}

static void
lower(Emit *e, const Ins *in)
{
	Module *m = e->m;
	const char *s, *z, *x;
	Onnx__NodeProto *np;
	bool ort = e->target == Tort;

	if (e->target == Tnone && in->op != Oquantize &&
	    in->op != Odequantize && in->op != Orequantize)
		ir_error(m, in, "a quantized op needs a module target (\"ort\" "
		    "or \"systolic\")");
	switch (in->op) {
	case Oquantize:
		qresult(e, in, opname(e, in->in[0]), mainname(in));
		return;
	case Odequantize:
		qparams(e, in, in->in[0], &s, &z);
		np = mknode(e, "DequantizeLinear", "", mainname(in), 3,
		    (const char *[]){ opname(e, in->in[0]), s, z },
		    opname(e, ref_val(in->out[0])));
		qaxis(e, in, np, refq(e, in, in->in[0]));
		return;
	case Orequantize:
		x = dqoperand(e, in, in->in[0],
		    helpername(e, in, "DequantizeLinear"));
		qresult(e, in, x, mainname(in));
		return;
	default:
		break;
	}
	if (e->fmt == ONNX_QDQ) {
		if (o2form(e, in))
			ir_error(m, in, "--format=qdq has no form for the -O2 "
			    "back half's nhwc, packed and fused ops (use -O1 or "
			    "--format=qops)");
		lower_qdq(e, in);
		return;
	}
	switch (in->op) {
	case Oconv:
		if (!ort && nhwcin(e, in))
			lower_qconvnhwc(e, in);
		else
			lower_qconv(e, in, "QLinearConv");
		break;
	case Omax_pool:
		lower_maxpoolnhwc(e, in);
		break;
	case Oconv_transpose:
		if (ort)	/* no QLinearConvTranspose in ONNX Runtime */
			lower_qdq(e, in);
		else
			lower_qconv(e, in, "QLinearConvTranspose");
		break;
	case Ogemm:
		if (ort)
			lower_qgemm(e, in);
		else
			lower_gemmconv(e, in);
		break;
	case Omatmul:
		if (ir_attrint(in, "relu", 0) != 0) {
			if (ort)
				ir_error(m, in, "the ort target has no fused "
				    "relu on a matmul");
			lower_matmulrelu(e, in);
		} else {
			lower_qbinary(e, in, "QLinearMatMul", "");
		}
		break;
	case Oadd:
		lower_qbinary(e, in, "QLinearAdd", "com.microsoft");
		break;
	case Omul:
		lower_qbinary(e, in, "QLinearMul", "com.microsoft");
		break;
	case Orelu:
		if (ort) {
			if (e->opset < 12)
				ir_error(m, in, "a quantized relu needs opset "
				    "12 (the model has %lld)",
				    (long long)e->opset);
			pertensor(e, in, 0, "relu input");
			qparams(e, in, in->in[0], &s, &z);
			mknode(e, "Max", "", mainname(in), 2,
			    (const char *[]){ opname(e, in->in[0]), z },
			    opname(e, ref_val(in->out[0])));
		} else {
			/* the fork's QLinearRelu: default domain, one input,
			 * no attributes; onnx.checker rejects it */
			mknode(e, "QLinearRelu", "", mainname(in), 1,
			    (const char *[]){ opname(e, in->in[0]) },
			    opname(e, ref_val(in->out[0])));
		}
		break;
	case Oleaky_relu:
		np = lower_qunary(e, in, "QLinearLeakyRelu", "com.microsoft");
		copyattrs(e, np, in, NULL);
		break;
	case Osigmoid:
		lower_qunary(e, in, "QLinearSigmoid", "com.microsoft");
		break;
	case Oaverage_pool:
	case Oglobal_average_pool:
		if (!ort)
			ir_error(m, in, "the systolic target has no quantized "
			    "%s", optab[in->op].name);
		if (in->op == Oaverage_pool) {
			np = lower_qunary(e, in, "QLinearAveragePool",
			    "com.microsoft");
			copyattrs(e, np, in, "dilations");
			{
				Attr *d = ir_getattr(in, "dilations");
				int k;

				for (k = 0; d && k < d->n; k++)
					if (d->ints[k] != 1)
						ir_error(m, in, "QLinearAveragePool "
						    "has no dilations");
			}
		} else {
			np = lower_qunary(e, in, "QLinearGlobalAveragePool",
			    "com.microsoft");
			addattr(e, np, intattr(e, "channels_last", 0));
		}
		break;
	default:
		die("lower: op %s", optab[in->op].name);
	}
}

/* Set up the lowering: target, name tables, per-operand parameter slots */
static void
lowerinit(Emit *e)
{
	Module *m = e->m;
	int i;

	if (!m->target || !m->target[0])
		e->target = Tnone;
	else if (strcmp(m->target, "ort") == 0)
		e->target = Tort;
	else if (strcmp(m->target, "systolic") == 0)
		e->target = Tsystolic;
	else
		error(m->path, "unknown module target \"%s\" (use \"ort\" or "
		    "\"systolic\")", m->target);
	e->tensors = namemap_new(e->a, (size_t)(m->nval + m->ncst) + 64);
	e->nodes = namemap_new(e->a, (size_t)m->nins + 64);
	for (i = 0; i < m->nval; i++)
		namemap_put(e->tensors, m->val[i].name, 0);
	for (i = 0; i < m->ncst; i++)
		if (m->cst[i].name)
			namemap_put(e->tensors, m->cst[i].name, 0);
	for (i = 0; i < m->nins; i++)
		if (m->ins[i].name && m->ins[i].name[0])
			namemap_put(e->nodes, m->ins[i].name, 0);
	e->vscale = newarr(e, (size_t)m->nval + 1, sizeof *e->vscale);
	e->vzero = newarr(e, (size_t)m->nval + 1, sizeof *e->vzero);
	e->cscale = newarr(e, (size_t)m->ncst + 1, sizeof *e->cscale);
	e->czero = newarr(e, (size_t)m->ncst + 1, sizeof *e->czero);
	e->cstref = newarr(e, (size_t)m->ncst + 1, sizeof *e->cstref);
	e->chwio = newarr(e, (size_t)m->ncst + 1, sizeof *e->chwio);
	e->dynq = newarr(e, 3 * (size_t)m->nval + 1, sizeof *e->dynq);
	e->lfirst = newarr(e, (size_t)m->nins + 1, sizeof *e->lfirst);
	e->lcount = newarr(e, (size_t)m->nins + 1, sizeof *e->lcount);
}

/* Decide every instruction's form (lowering the quantized ones), and which
 * constants stay initializers: all of them, except those whose every use
 * became an attribute or was replaced by the lowering. */
static void
plan(Emit *e)
{
	Module *m = e->m;
	bool *used, *folded;
	int i, k;

	e->form = newarr(e, (size_t)m->nins, sizeof *e->form);
	e->cstkeep = newarr(e, (size_t)m->ncst, sizeof *e->cstkeep);
	used = newarr(e, (size_t)m->ncst, sizeof *used);
	folded = newarr(e, (size_t)m->ncst, sizeof *folded);
	lowerinit(e);
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];

		e->lcount[i] = -1;
		if (in->op == Onop)
			continue;
		if (isquantop(e, in)) {
			/* its constant operands are replaced by whatever the
			 * lowered nodes name (cstref) */
			e->lfirst[i] = (int)e->nlnode;
			lower(e, in);
			e->lcount[i] = (int)e->nlnode - e->lfirst[i];
			for (k = 0; k < in->nin; k++)
				if (in->in[k].kind == Rcst)
					folded[in->in[k].idx] = true;
			continue;
		}
		checkplain(e, in);
		e->form[i] = legacy_form(e, i);
		for (k = 0; k < in->nin; k++) {
			if (in->in[k].kind != Rcst)
				continue;
			if (k < e->form[i].nin)
				used[in->in[k].idx] = true;
			else
				folded[in->in[k].idx] = true;
		}
	}
	for (i = 0; i < m->nout; i++)
		if (m->out[i].kind == Rcst)
			used[m->out[i].idx] = true;
	for (i = 0; i < m->ncst; i++)
		e->cstkeep[i] = used[i] || e->cstref[i] || !folded[i] ||
		    m->cst[i].isinput;
}

/* --- graph ---------------------------------------------------------------- */

static Onnx__NodeProto *
nodeproto(Emit *e, int idx)
{
	Module *m = e->m;
	Ins *in = &m->ins[idx];
	const Form *fm = &e->form[idx];
	Onnx__NodeProto *np;
	int k, n;

	np = NEW(e, Onnx__NodeProto, node_proto);
	if (in->name && in->name[0])
		np->name = str(in->name);
	if (in->op == Oopaque) {
		np->op_type = str(in->optype);
		np->domain = str(in->domain ? in->domain : "");
	} else {
		np->op_type = str(optab[in->op].onnx);
		np->domain = "";
	}

	/* inputs by name; omitted ones are "", trailing omitted ones dropped */
	for (n = fm->nin; n > 0 && in->in[n - 1].kind == Rnone; n--)
		;
	np->n_input = (size_t)n;
	np->input = newarr(e, (size_t)n, sizeof *np->input);
	for (k = 0; k < n; k++)
		np->input[k] = str(ir_refname(m, in->in[k]));

	for (n = in->nout; n > 0 && in->out[n - 1] < 0; n--)
		;
	np->n_output = (size_t)n;
	np->output = newarr(e, (size_t)n, sizeof *np->output);
	for (k = 0; k < n; k++)
		np->output[k] = str(in->out[k] >= 0 ? m->val[in->out[k]].name
		    : "");

	n = in->nattr + fm->nextra;
	np->n_attribute = (size_t)n;
	np->attribute = newarr(e, (size_t)n, sizeof *np->attribute);
	for (k = 0; k < in->nattr; k++)
		np->attribute[k] = attrproto(e, in, &in->attr[k]);
	for (k = 0; k < fm->nextra; k++)
		np->attribute[in->nattr + k] = fm->extra[k];
	return np;
}

/* Is value v live: a graph input, or the result of a live instruction? */
static bool
vallive(const Module *m, int v)
{
	const Val *val = &m->val[v];
	const Ins *in;

	if (val->def < 0 || val->def >= m->nins)
		return false;
	in = &m->ins[val->def];
	return in->op != Onop && val->defout >= 0 && val->defout < in->nout &&
	    in->out[val->defout] == v;
}

static Onnx__GraphProto *
graphproto(Emit *e)
{
	Module *m = e->m;
	Onnx__GraphProto *g;
	bool *skip;
	size_t n;
	int i;

	g = NEW(e, Onnx__GraphProto, graph_proto);
	g->name = str(m->graphname && m->graphname[0] ? m->graphname : "sqc");

	/* inputs: the real ones, then constants with a default */
	n = (size_t)m->nin;
	for (i = 0; i < m->ncst; i++)
		n += m->cst[i].isinput;
	g->input = newarr(e, n, sizeof *g->input);
	for (i = 0; i < m->nin; i++) {
		Val *v = &m->val[m->in[i]];

		g->input[g->n_input++] = valueinfo(e, v->name, &v->type);
	}
	for (i = 0; i < m->ncst; i++)
		if (m->cst[i].isinput)
			g->input[g->n_input++] = valueinfo(e, m->cst[i].name,
			    &m->cst[i].type);

	/* initializers, then the lowering's */
	g->initializer = newarr(e, (size_t)m->ncst + e->nxinit,
	    sizeof *g->initializer);
	for (i = 0; i < m->ncst; i++)
		if (e->cstkeep[i])
			g->initializer[g->n_initializer++] =
			    tensorproto(e, &m->cst[i]);
	for (n = 0; n < e->nxinit; n++)
		g->initializer[g->n_initializer++] = e->xinit[n];

	/* nodes: a lowered instruction's, or its own */
	g->node = newarr(e, (size_t)m->nins + e->nlnode, sizeof *g->node);
	for (i = 0; i < m->nins; i++) {
		int k;

		if (m->ins[i].op == Onop)
			continue;
		if (e->lcount[i] < 0)
			g->node[g->n_node++] = nodeproto(e, i);
		for (k = 0; k < e->lcount[i]; k++)
			g->node[g->n_node++] = e->lnode[e->lfirst[i] + k];
	}

	/* outputs */
	skip = newarr(e, (size_t)m->nval, sizeof *skip);
	for (i = 0; i < m->nin; i++)
		skip[m->in[i]] = true;
	g->n_output = (size_t)m->nout;
	g->output = newarr(e, g->n_output, sizeof *g->output);
	for (i = 0; i < m->nout; i++) {
		Ref r = m->out[i];
		Type *t = ir_reftype(m, r);

		if (!t)
			die("graph output %d is an omitted operand", i);
		g->output[i] = valueinfo(e, ir_refname(m, r), t);
		if (r.kind == Rval)
			skip[r.idx] = true;
	}

	/* value_info: the remaining live values with a known dtype */
	n = 0;
	for (i = 0; i < m->nval; i++)
		n += !skip[i] && m->val[i].type.dt != Dundef && vallive(m, i);
	g->value_info = newarr(e, n + e->nxvi, sizeof *g->value_info);
	for (i = 0; i < m->nval; i++)
		if (!skip[i] && m->val[i].type.dt != Dundef && vallive(m, i))
			g->value_info[g->n_value_info++] = valueinfo(e,
			    m->val[i].name, &m->val[i].type);
	for (n = 0; n < e->nxvi; n++)
		if (e->xvi[n]->type)
			g->value_info[g->n_value_info++] = e->xvi[n];
	return g;
}

/* --- model ---------------------------------------------------------------- */

static Onnx__ModelProto *
modelproto(Emit *e)
{
	Module *m = e->m;
	Onnx__ModelProto *mp;
	bool hasdefault = false;
	bool allinputs = true;
	int i;

	mp = NEW(e, Onnx__ModelProto, model_proto);

	/* IR version 3 needs every initializer to be a graph input too; a
	 * constant sqc added since import is not, so such a model moves to 4 */
	mp->has_ir_version = 1;
	mp->ir_version = m->irversion > 0 ? m->irversion : DEFAULT_IRVERSION;
	for (i = 0; i < m->ncst; i++)
		if (e->cstkeep[i] && !m->cst[i].isinput)
			allinputs = false;
	if (e->nxinit > 0)
		allinputs = false;
	if (mp->ir_version < 4 && !allinputs)
		mp->ir_version = 4;

	if (nonempty(m->producer)) {
		mp->producer_name = str(m->producer);
		mp->producer_version = str(nonempty(m->producer_version));
	} else {
		mp->producer_name = "sqc";
		mp->producer_version = SQC_VERSION;
	}
	mp->domain = str(nonempty(m->domain));
	if (m->model_version) {
		mp->has_model_version = 1;
		mp->model_version = m->model_version;
	}
	mp->doc_string = str(nonempty(m->doc));

	mp->opset_import = newarr(e, (size_t)m->nopset + 2,
	    sizeof *mp->opset_import);
	for (i = 0; i < m->nopset; i++) {
		Onnx__OperatorSetIdProto *os;

		os = NEW(e, Onnx__OperatorSetIdProto, operator_set_id_proto);
		os->domain = str(m->opset[i].domain ? m->opset[i].domain : "");
		os->has_version = 1;
		os->version = m->opset[i].version;
		if (!os->domain[0])
			hasdefault = true;
		mp->opset_import[mp->n_opset_import++] = os;
	}
	if (!hasdefault) {
		Onnx__OperatorSetIdProto *os;

		os = NEW(e, Onnx__OperatorSetIdProto, operator_set_id_proto);
		os->domain = "";
		os->has_version = 1;
		os->version = DEFAULT_OPSET;
		mp->opset_import[mp->n_opset_import++] = os;
	}
	if (e->msdomain && ir_opset(m, "com.microsoft") <= 0) {
		Onnx__OperatorSetIdProto *os;

		os = NEW(e, Onnx__OperatorSetIdProto, operator_set_id_proto);
		os->domain = "com.microsoft";
		os->has_version = 1;
		os->version = 1;
		mp->opset_import[mp->n_opset_import++] = os;
	}

	mp->n_metadata_props = (size_t)m->nmeta;
	mp->metadata_props = newarr(e, mp->n_metadata_props,
	    sizeof *mp->metadata_props);
	for (i = 0; i < m->nmeta; i++) {
		Onnx__StringStringEntryProto *kv;

		kv = NEW(e, Onnx__StringStringEntryProto,
		    string_string_entry_proto);
		kv->key = str(m->meta[i].key);
		kv->value = str(m->meta[i].value);
		mp->metadata_props[i] = kv;
	}

	mp->n_functions = (size_t)m->nfunc;
	mp->functions = newarr(e, mp->n_functions, sizeof *mp->functions);
	for (i = 0; i < m->nfunc; i++) {
		mp->functions[i] = (Onnx__FunctionProto *)
		    protobuf_c_message_unpack(&onnx__function_proto__descriptor,
		    &e->alloc, m->func[i].len, m->func[i].data);
		if (!mp->functions[i])
			error(m->path, "model-local function %d is not a valid "
			    "FunctionProto", i);
	}

	mp->graph = graphproto(e);
	return mp;
}

/* --- streaming ------------------------------------------------------------ */

static void
fileappend(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	FileBuf *fb = (FileBuf *)b;

	if (fb->failed || len == 0)
		return;
	if (fwrite(data, 1, len, fb->f) != len)
		fb->failed = true;
}

bool
emit_onnx(Module *m, FILE *f)
{
	return emit_onnx_format(m, f, ONNX_QOPS);
}

bool
emit_onnx_format(Module *m, FILE *f, OnnxFormat fmt)
{
	Emit e = { 0 };
	FileBuf fb = { { fileappend }, f, false };
	Onnx__ModelProto *mp;

	e.m = m;
	e.fmt = fmt;
	e.a = arena_new();
	e.alloc.alloc = pballoc;
	e.alloc.free = pbfree;
	e.alloc.allocator_data = e.a;
	e.opset = ir_opset(m, "");
	if (e.opset <= 0)
		e.opset = DEFAULT_OPSET;

	plan(&e);
	mp = modelproto(&e);
	protobuf_c_message_pack_to_buffer(&mp->base, &fb.base);
	arena_free(e.a);
	if (fflush(f) != 0 || ferror(f))
		fb.failed = true;
	return !fb.failed;
}
