/*
 * emitonnx.c — the ONNX writer: Module -> ModelProto, streamed to a FILE.
 *
 * Contract (backend.h): emit_onnx(m, f) writes one serialized ModelProto and
 * returns false if a write to f failed (the caller reports it); a module that
 * cannot be expressed at its opset is a user error (error()).
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

/* Decide every instruction's form, and which constants stay initializers:
 * all of them, except those whose every use became an attribute. */
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
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];

		if (in->op == Onop)
			continue;
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
		e->cstkeep[i] = used[i] || !folded[i] || m->cst[i].isinput;
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

	/* initializers */
	g->initializer = newarr(e, (size_t)m->ncst, sizeof *g->initializer);
	for (i = 0; i < m->ncst; i++)
		if (e->cstkeep[i])
			g->initializer[g->n_initializer++] =
			    tensorproto(e, &m->cst[i]);

	/* nodes */
	g->node = newarr(e, (size_t)m->nins, sizeof *g->node);
	for (i = 0; i < m->nins; i++)
		if (m->ins[i].op != Onop)
			g->node[g->n_node++] = nodeproto(e, i);

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
	g->value_info = newarr(e, n, sizeof *g->value_info);
	for (i = 0; i < m->nval; i++)
		if (!skip[i] && m->val[i].type.dt != Dundef && vallive(m, i))
			g->value_info[g->n_value_info++] = valueinfo(e,
			    m->val[i].name, &m->val[i].type);
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

	mp->opset_import = newarr(e, (size_t)m->nopset + 1,
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
	Emit e = { 0 };
	FileBuf fb = { { fileappend }, f, false };
	Onnx__ModelProto *mp;

	e.m = m;
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
