/*
 * onnx.c — onnx_read: an ONNX ModelProto file -> a Module.
 *
 * Contract (frontend.h): returns a module that ir_verify accepts, or reports
 * one user error naming the file (and the node, initializer or value) and
 * exits 1.  Hostile input never crashes the reader.
 *
 * Memory: the file is mapped (or read), unpacked by protobuf-c into the
 * module's arena (the allocator's free is a no-op), then unmapped.  Tensor
 * data is used in place: raw_data, and typed fields whose protobuf layout
 * is already the packed layout of struct Cst (f32, f64, i32, i64, u64,
 * complex), become Cst.data without a copy.  Only narrow types carried one
 * per int32 (i8, u8, i16, u16, bool, f16, bf16), u32 in uint64_data and
 * strings are converted.  That relies on a little-endian host.
 *
 * Before unpacking, a schema-guided scan bounds the nesting depth of
 * messages (subgraphs in attributes nest without limit in the format, and
 * protobuf-c's unpacker recurses on the C stack).
 *
 * Import order: header; initializers (constants); graph inputs (values,
 * unless an initializer has the name: then the constant is marked isinput);
 * every node's instruction and output values; value_info and output types;
 * graph outputs; node operands (so nodes may come in any order); attributes;
 * then ir_toposort and ir_verify.
 *
 * Types: only tensor types; a graph input or output of another type
 * (sequence, map, optional, sparse) is an error, a value_info of another
 * type is skipped.  A negative dim_value in a type reads as unknown (some
 * converters write -1); a negative dim in a tensor is an error.
 *
 * Versions: an ir_version or ai.onnx opset beyond the newest ONNX release
 * sqc knows of (MAXIRVERSION, MAXOPSET) is refused, as is a node whose
 * domain the model does not import; older or missing versions are read.
 *
 * External data (data_location EXTERNAL) is read from a file named by a
 * relative location without ".." components, resolved against the model's
 * directory; offset and length must lie inside it.
 *
 * Kept opaque as serialized bytes: graph, sparse tensor and type proto
 * attributes, model-local functions.  Refused: sparse initializers,
 * segmented tensors, element types beyond 16.  Not imported: training_info,
 * quantization_annotation, doc strings of graphs, nodes and values.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.pb-c.h"

#include "frontend.h"
#include "tensorproto.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "onnx.c uses protobuf arrays as packed little-endian data"
#endif

enum {
	MAXDEPTH = 100,		/* nested messages accepted in a model file */
	MAXIRVERSION = 12,	/* the newest ONNX IR version, ... */
	MAXOPSET = 24,		/* ... and ai.onnx opset that sqc accepts */
};

typedef struct Reader {
	Module *m;
	const char *path;	/* the model file, for diagnostics */
	Arena *a;		/* the module's arena */
	Arena *tmp;		/* scratch: freed when the module is built */
	NameMap *names;		/* tensor name -> 2*val or 2*cst+1 */
} Reader;

/* Where a tensor comes from, spelled out only when it is wrong. */
typedef struct Where {
	const char *kind;	/* "initializer", or NULL for an attribute */
	const char *name;	/* initializer name, or attribute name */
	int ins;		/* attribute: the instruction (index in m->ins) */
} Where;

static const char *
S(const char *s)
{
	return s ? s : "";
}

/* ---- diagnostics --------------------------------------------------------- */

/* A name as it goes into a one-line message: control bytes escaped. */
static const char *
q(Reader *r, const char *s)
{
	const unsigned char *p;
	char *out, *o;

	s = S(s);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			break;
	if (!*p)
		return s;
	out = arena_alloc(r->tmp, 4 * strlen(s) + 1);
	for (o = out, p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = 0;
	return out;
}

/* "node 'n' (Op)", or "node #3 (Op)" (its index in the file) if unnamed */
static const char *
nodedesc(Reader *r, int ins)
{
	Ins *in = &r->m->ins[ins];

	if (in->name[0])
		return arena_printf(r->tmp, "node '%s' (%s)", q(r, in->name),
		    q(r, ir_opname(r->m, in)));
	return arena_printf(r->tmp, "node #%d (%s)", ins,
	    q(r, ir_opname(r->m, in)));
}

static const char *
where(Reader *r, const Where *w)
{
	if (w->kind)
		return arena_printf(r->tmp, "%s '%s'", w->kind, q(r, w->name));
	return arena_printf(r->tmp, "%s: attribute '%s'", nodedesc(r, w->ins),
	    q(r, w->name));
}

/* "f32[2,3]" */
static const char *
typestr(Reader *r, DType dt, int rank, const int64_t *dim)
{
	char *s;
	size_t n;
	int k;

	n = 16 + (size_t)rank * 22;
	s = arena_alloc(r->tmp, n);
	snprintf(s, n, "%s[", dtype_name(dt));
	for (k = 0; k < rank; k++)
		snprintf(s + strlen(s), n - strlen(s), "%s%lld", k ? "," : "",
		    (long long)dim[k]);
	snprintf(s + strlen(s), n - strlen(s), "]");
	return s;
}

/* "PATH: error: node 'n' (Op): MSG" */
static noreturn void
nodeerr(Reader *r, int ins, const char *fmt, ...) PRINTF(3, 4);

static noreturn void
nodeerr(Reader *r, int ins, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = arena_vprintf(r->tmp, fmt, ap);
	va_end(ap);
	error(r->path, "%s: %s", nodedesc(r, ins), msg);
}

/* ---- the file ------------------------------------------------------------ */

static void *
pbc_alloc(void *data, size_t n)
{
	return arena_alloc(data, n);
}

static void
pbc_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static bool
varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	int shift;

	for (shift = 0; shift < 70 && p < end; shift += 7) {
		r |= (uint64_t)(*p & 0x7f) << (shift < 64 ? shift : 0);
		if (!(*p++ & 0x80)) {
			*pp = p;
			*v = r;
			return true;
		}
	}
	return false;
}

/*
 * Walk the wire format of a message of type d, descending into fields the
 * schema declares as messages.  Returns false only when messages nest deeper
 * than MAXDEPTH; malformed input is left for the unpacker to reject.
 */
static bool
depthok(const ProtobufCMessageDescriptor *d, const uint8_t *p,
    const uint8_t *end, int depth)
{
	const ProtobufCFieldDescriptor *f;
	uint64_t tag, len;

	if (depth > MAXDEPTH)
		return false;
	while (p < end) {
		if (!varint(&p, end, &tag))
			return true;
		switch (tag & 7) {
		case 0:
			if (!varint(&p, end, &len))
				return true;
			break;
		case 1:
			if (end - p < 8)
				return true;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return true;
			p += 4;
			break;
		case 2:
			if (!varint(&p, end, &len) || len > (uint64_t)(end - p))
				return true;
			f = tag >> 3 <= UINT_MAX ?
			    protobuf_c_message_descriptor_get_field(d,
				(unsigned)(tag >> 3)) : NULL;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    !depthok(f->descriptor, p, p + len, depth + 1))
				return false;
			p += len;
			break;
		default:
			return true;
		}
	}
	return true;
}

static Onnx__ModelProto *
unpack(Reader *r)
{
	ProtobufCAllocator al = {pbc_alloc, pbc_free, r->a};
	Onnx__ModelProto *mp;
	struct stat st;
	uint8_t *buf;
	size_t len, cap;
	ssize_t got;
	bool mapped;
	int fd;

	fd = open(r->path, O_RDONLY);
	if (fd < 0)
		error(r->path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		error(r->path, "cannot stat: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		error(r->path, "is a directory");
	mapped = false;
	buf = NULL;
	len = 0;
	if (S_ISREG(st.st_mode)) {
		if (st.st_size == 0)
			error(r->path, "file is empty");
		if ((uintmax_t)st.st_size > SIZE_MAX)
			error(r->path, "file is too large");
		len = (size_t)st.st_size;
		buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (buf == MAP_FAILED)
			buf = NULL;
		else
			mapped = true;
	}
	if (!mapped) {	/* a pipe, or mmap refused: read it */
		cap = len ? len : 1 << 16;
		buf = xmalloc(cap);
		len = 0;
		for (;;) {
			if (len == cap) {
				if (cap > SIZE_MAX / 2)
					error(r->path, "file is too large");
				cap *= 2;
				buf = xrealloc(buf, cap);
			}
			got = read(fd, buf + len, cap - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				error(r->path, "cannot read: %s", strerror(errno));
			if (got == 0)
				break;
			len += (size_t)got;
		}
		if (len == 0)
			error(r->path, "file is empty");
	}
	close(fd);

	if (!depthok(&onnx__model_proto__descriptor, buf, buf + len, 0))
		error(r->path, "not a valid ONNX model (messages nested more "
		    "than %d deep)", MAXDEPTH);
	mp = onnx__model_proto__unpack(&al, len, buf);
	if (mapped)
		munmap(buf, len);
	else
		free(buf);
	if (!mp)
		error(r->path, "not a valid ONNX model (protobuf decode failed)");
	return mp;
}

/* ---- tensors ------------------------------------------------------------- */

static bool
parseu64(const char *s, uint64_t *v)
{
	uint64_t r = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || r > (UINT64_MAX - 9) / 10)
			return false;
		r = r * 10 + (uint64_t)(*s - '0');
	}
	*v = r;
	return true;
}

/* A location that stays inside the model's directory. */
static bool
safeloc(const char *loc)
{
	const char *p, *e;

	if (!*loc || *loc == '/' || *loc == '\\')
		return false;
	for (p = loc; *p; p = *e ? e + 1 : e) {
		for (e = p; *e && *e != '/' && *e != '\\'; e++)
			;
		if (e - p == 2 && p[0] == '.' && p[1] == '.')
			return false;
	}
	return true;
}

/* External data: nbytes bytes from a file next to the model. */
static void *
external(Reader *r, const Onnx__TensorProto *t, const Where *w, size_t nbytes,
    const char *ty)
{
	const char *loc, *dir, *slash, *file;
	uint64_t off, len, v;
	struct stat st;
	uint8_t *data;
	size_t k, done;
	ssize_t got;
	bool haslen;
	int fd;

	loc = NULL;
	off = 0;
	len = 0;
	haslen = false;
	for (k = 0; k < t->n_external_data; k++) {
		const char *key = S(t->external_data[k]->key);
		const char *val = S(t->external_data[k]->value);

		if (strcmp(key, "location") == 0) {
			loc = val;
		} else if (strcmp(key, "offset") == 0 ||
		    strcmp(key, "length") == 0) {
			if (!parseu64(val, &v))
				error(r->path, "%s: external data %s '%s' is not "
				    "a number", where(r, w), key, q(r, val));
			if (key[0] == 'o') {
				off = v;
			} else {
				len = v;
				haslen = true;
			}
		}
	}
	if (!loc)
		error(r->path, "%s: external data has no location",
		    where(r, w));
	if (!safeloc(loc))
		error(r->path, "%s: external data location '%s' must be a "
		    "relative path inside the model's directory", where(r, w),
		    q(r, loc));
	slash = strrchr(r->path, '/');
	if (slash) {
		dir = arena_strndup(r->tmp, r->path, (size_t)(slash - r->path));
		file = arena_printf(r->tmp, "%s/%s", dir, loc);
	} else {
		file = loc;
	}
	fd = open(file, O_RDONLY | O_NONBLOCK);	/* a FIFO must not hang us */
	if (fd < 0)
		error(r->path, "%s: cannot open external data '%s': %s",
		    where(r, w), q(r, file), strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		error(r->path, "%s: external data '%s' is not a regular file",
		    where(r, w), q(r, file));
	if (off > (uint64_t)st.st_size)
		error(r->path, "%s: external data offset %llu is past the end "
		    "of '%s' (%lld bytes)", where(r, w),
		    (unsigned long long)off, q(r, file), (long long)st.st_size);
	if (!haslen)
		len = (uint64_t)st.st_size - off;
	if (len > (uint64_t)st.st_size - off)
		error(r->path, "%s: external data at offset %llu length %llu "
		    "runs past the end of '%s' (%lld bytes)", where(r, w),
		    (unsigned long long)off, (unsigned long long)len,
		    q(r, file), (long long)st.st_size);
	if (len != nbytes)
		error(r->path, "%s: data has %llu bytes but %s needs %zu",
		    where(r, w), (unsigned long long)len, ty, nbytes);
	data = arena_alloc(r->a, nbytes);
	for (done = 0; done < nbytes; done += (size_t)got) {
		got = pread(fd, data + done, nbytes - done,
		    (off_t)(off + done));
		if (got < 0 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0)
			error(r->path, "%s: cannot read external data '%s': %s",
			    where(r, w), q(r, file),
			    got < 0 ? strerror(errno) : "file shrank");
	}
	close(fd);
	return data;
}

/*
 * Decode a TensorProto into c (name, static type, packed data).  The
 * typed field each dtype uses, and how many of its entries one element
 * takes, follow onnx.proto.
 */
static void
decode_tensor(Reader *r, const Onnx__TensorProto *t, const Where *w, Cst *c)
{
	int64_t dim[SQC_MAXRANK];
	size_t numel, es, nbytes, got, k;
	const char *ty;
	DType dt;

	memset(c, 0, sizeof *c);
	c->name = S(t->name);
	if (!t->has_data_type || t->data_type <= Dundef ||
	    t->data_type >= Dcount)
		error(r->path, "%s: unsupported tensor element type %d",
		    where(r, w), t->has_data_type ? (int)t->data_type : 0);
	dt = (DType)t->data_type;
	if (t->n_dims > SQC_MAXRANK)
		error(r->path, "%s: rank %zu exceeds the maximum of %d",
		    where(r, w), t->n_dims, SQC_MAXRANK);
	numel = 1;
	for (k = 0; k < t->n_dims; k++) {
		dim[k] = t->dims[k];
		if (dim[k] < 0)
			error(r->path, "%s: negative dimension %lld",
			    where(r, w), (long long)dim[k]);
		if ((uint64_t)dim[k] > SIZE_MAX ||
		    mulover(numel, (size_t)dim[k], &numel))
			error(r->path, "%s: too many elements", where(r, w));
	}
	ty = NULL;
	es = dt == Dstr ? sizeof(Bytes) : dtype_size(dt);
	if (mulover(numel, es, &nbytes))
		error(r->path, "%s: %s is too large", where(r, w),
		    typestr(r, dt, (int)t->n_dims, dim));
	c->type = type_make(dt, (int)t->n_dims, dim);
	c->nbytes = nbytes;
	if (t->segment)
		error(r->path, "%s: segmented tensors are not supported",
		    where(r, w));

#define TY() (ty ? ty : (ty = typestr(r, dt, (int)t->n_dims, dim)))
	if (t->has_data_location &&
	    t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		if (dt == Dstr)
			error(r->path, "%s: string tensors cannot be stored "
			    "externally", where(r, w));
		c->data = external(r, t, w, nbytes, TY());
		return;
	}
	if (!tensorproto_data(t, dt, numel, nbytes, r->a, &c->data, &got)) {
		if (got == SIZE_MAX)
			error(r->path, "%s: string tensors cannot use raw_data",
			    where(r, w));
		if (dt == Dstr)
			error(r->path, "%s: data has %zu strings but %s needs %zu",
			    where(r, w), got, TY(), numel);
		error(r->path, "%s: data has %zu bytes but %s needs %zu",
		    where(r, w), got, TY(), nbytes);
	}
#undef TY
}

/* ---- types --------------------------------------------------------------- */

/* A value's type from a TypeProto; what = "input", "output", ... */
static Type
decode_type(Reader *r, const Onnx__TypeProto *tp, const char *what,
    const char *name)
{
	const Onnx__TypeProto__Tensor *tt;
	const Onnx__TensorShapeProto__Dimension *d;
	Type t;
	size_t k;

	t = type_unknown();
	if (!tp || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET)
		return t;
	if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		error(r->path, "%s '%s': only tensor types are supported", what,
		    q(r, name));
	tt = tp->tensor_type;
	if (tt->has_elem_type) {
		if (tt->elem_type < 0 || tt->elem_type >= Dcount)
			error(r->path, "%s '%s': unsupported element type %d",
			    what, q(r, name), (int)tt->elem_type);
		t.dt = (DType)tt->elem_type;
	}
	if (!tt->shape)
		return t;
	if (tt->shape->n_dim > SQC_MAXRANK)
		error(r->path, "%s '%s': rank %zu exceeds the maximum of %d",
		    what, q(r, name), tt->shape->n_dim, SQC_MAXRANK);
	t.rank = (int)tt->shape->n_dim;
	for (k = 0; k < tt->shape->n_dim; k++) {
		d = tt->shape->dim[k];
		t.dim[k] = -1;
		if (d->value_case ==
		    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			/* some converters write -1 for "unknown" */
			if (d->dim_value >= 0)
				t.dim[k] = d->dim_value;
		} else if (d->value_case ==
		    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
		    d->dim_param && d->dim_param[0]) {
			t.sym[k] = d->dim_param;
		}
	}
	return t;
}

/* ---- names --------------------------------------------------------------- */

static bool
lookup(Reader *r, const char *name, Ref *ref)
{
	int v;

	v = namemap_get(r->names, name);
	if (v < 0)
		return false;
	*ref = v & 1 ? ref_cst(v >> 1) : ref_val(v >> 1);
	return true;
}

/* How a name already in the table was defined, for "defined twice". */
static const char *
definer(Reader *r, Ref ref)
{
	if (ref.kind == Rcst)
		return "an initializer";
	if (r->m->val[ref.idx].def < 0)
		return "a graph input";
	return nodedesc(r, r->m->val[ref.idx].def);
}

static bool
define(Reader *r, const char *name, Ref ref, Ref *old)
{
	if (lookup(r, name, old))
		return false;
	if (ref.idx > INT_MAX / 2 - 1)
		error(r->path, "too many tensors");
	namemap_put(r->names, name,
	    ref.kind == Rcst ? 2 * ref.idx + 1 : 2 * ref.idx);
	return true;
}

/* ---- attributes ---------------------------------------------------------- */

static Bytes
packmsg(Reader *r, const ProtobufCMessage *msg)
{
	Bytes b;

	b.len = protobuf_c_message_get_packed_size(msg);
	b.data = arena_alloc(r->a, b.len);
	protobuf_c_message_pack(msg, b.data);
	return b;
}

static Bytes *
packlist(Reader *r, size_t n, ProtobufCMessage **msg)
{
	Bytes *b;
	size_t k;

	b = arena_alloc(r->a, (n ? n : 1) * sizeof *b);
	for (k = 0; k < n; k++)
		b[k] = packmsg(r, msg[k]);
	return b;
}

/* IR v1 attributes have no type field: infer it from the field in use. */
static int
attrtype(const Onnx__AttributeProto *a)
{
	if (a->has_type)
		return a->type;
	if (a->has_f)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	if (a->has_i)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	if (a->has_s)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	if (a->t)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	if (a->g)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	if (a->sparse_tensor)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
	if (a->tp)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO;
	if (a->n_floats)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	if (a->n_ints)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	if (a->n_strings)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
	if (a->n_tensors)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
	if (a->n_graphs)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
	if (a->n_sparse_tensors)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS;
	if (a->n_type_protos)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS;
	return -1;
}

static int
count(Reader *r, int ins, const char *name, size_t n)
{
	if (n > INT_MAX)
		nodeerr(r, ins, "attribute '%s' has too many elements",
		    q(r, name));
	return (int)n;
}

/* Decode ap into a, the next attribute of instruction ins. */
static void
decode_attr(Reader *r, int ins, const Onnx__AttributeProto *ap, Attr *a)
{
	const char *name;
	Where w;
	size_t k;
	int ty;

	name = S(ap->name);
	if (!name[0])
		nodeerr(r, ins, "an attribute has no name");
	if (ap->ref_attr_name && ap->ref_attr_name[0])
		nodeerr(r, ins, "attribute '%s' refers to attribute '%s' of an "
		    "enclosing function, but the node is not in a function",
		    q(r, name), q(r, ap->ref_attr_name));
	w.kind = NULL;
	w.name = name;
	w.ins = ins;
	a->name = name;
	a->n = 1;
	ty = attrtype(ap);
#define ADD(k) (a->kind = (k))
#define NEED(field, what) \
	if (!(field)) \
		nodeerr(r, ins, "attribute '%s' of type " what " has no value", \
		    q(r, name))
	switch (ty) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		ADD(Afloat);
		a->f = ap->f;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		ADD(Aint);
		a->i = ap->i;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		ADD(Astr);
		a->s.len = ap->s.len;
		a->s.data = ap->s.data ? ap->s.data : arena_alloc(r->a, 1);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
		NEED(ap->t, "tensor");
		ADD(Atensor);
		a->tensors = arena_alloc(r->a, sizeof(Cst));
		decode_tensor(r, ap->t, &w, a->tensors);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
		NEED(ap->g, "graph");
		ADD(Agraph);
		a->blob = arena_alloc(r->a, sizeof(Bytes));
		a->blob[0] = packmsg(r, &ap->g->base);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR:
		NEED(ap->sparse_tensor, "sparse tensor");
		ADD(Asparse);
		a->blob = arena_alloc(r->a, sizeof(Bytes));
		a->blob[0] = packmsg(r, &ap->sparse_tensor->base);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
		NEED(ap->tp, "type proto");
		ADD(Atypeproto);
		a->blob = arena_alloc(r->a, sizeof(Bytes));
		a->blob[0] = packmsg(r, &ap->tp->base);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		ADD(Afloats);
		a->n = count(r, ins, name, ap->n_floats);
		a->floats = ap->floats ? ap->floats : arena_alloc(r->a, 1);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		ADD(Aints);
		a->n = count(r, ins, name, ap->n_ints);
		a->ints = ap->ints ? ap->ints : arena_alloc(r->a, 1);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
		ADD(Astrs);
		a->n = count(r, ins, name, ap->n_strings);
		a->strs = arena_alloc(r->a, (ap->n_strings + 1) * sizeof(Bytes));
		for (k = 0; k < ap->n_strings; k++) {
			a->strs[k].len = ap->strings[k].len;
			a->strs[k].data = ap->strings[k].data ?
			    ap->strings[k].data : arena_alloc(r->a, 1);
		}
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
		ADD(Atensors);
		a->n = count(r, ins, name, ap->n_tensors);
		a->tensors = arena_alloc(r->a,
		    (ap->n_tensors + 1) * sizeof(Cst));
		for (k = 0; k < ap->n_tensors; k++)
			decode_tensor(r, ap->tensors[k], &w, &a->tensors[k]);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
		ADD(Agraphs);
		a->n = count(r, ins, name, ap->n_graphs);
		a->blob = packlist(r, ap->n_graphs,
		    (ProtobufCMessage **)ap->graphs);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
		ADD(Asparses);
		a->n = count(r, ins, name, ap->n_sparse_tensors);
		a->blob = packlist(r, ap->n_sparse_tensors,
		    (ProtobufCMessage **)ap->sparse_tensors);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
		ADD(Atypeprotos);
		a->n = count(r, ins, name, ap->n_type_protos);
		a->blob = packlist(r, ap->n_type_protos,
		    (ProtobufCMessage **)ap->type_protos);
		break;
	case -1:
		nodeerr(r, ins, "attribute '%s' has no type and no value",
		    q(r, name));
	default:
		nodeerr(r, ins, "attribute '%s' has unknown type %d",
		    q(r, name), ty);
	}
#undef ADD
#undef NEED
}

/* All of a node's attributes, in order, into one array (not ir_addattr's
 * copy per attribute: a node may have very many); names must be unique. */
static void
attributes(Reader *r, int ins, const Onnx__NodeProto *np)
{
	NameMap *seen;
	Ins *in;
	size_t j;

	if (np->n_attribute > INT_MAX)
		nodeerr(r, ins, "too many attributes");
	in = &r->m->ins[ins];
	in->attr = arena_alloc(r->a, (np->n_attribute + 1) * sizeof(Attr));
	seen = np->n_attribute > 8 ? namemap_new(r->tmp, np->n_attribute) :
	    NULL;
	for (j = 0; j < np->n_attribute; j++) {
		decode_attr(r, ins, np->attribute[j], &in->attr[j]);
		in->nattr = (int)j + 1;
		if (seen ? !namemap_put(seen, in->attr[j].name, 0) :
		    ir_getattr(in, in->attr[j].name) != &in->attr[j])
			nodeerr(r, ins, "attribute '%s' appears twice",
			    q(r, in->attr[j].name));
	}
}

/* ---- the model ----------------------------------------------------------- */

static void
header(Reader *r, const Onnx__ModelProto *mp)
{
	Module *m = r->m;
	const char *d;
	size_t k;

	m->irversion = mp->has_ir_version ? mp->ir_version : 0;
	if (m->irversion < 0 || m->irversion > MAXIRVERSION)
		error(r->path, "ir_version %lld is not supported (ONNX IR "
		    "versions go up to %d)", (long long)m->irversion,
		    MAXIRVERSION);
	m->producer = S(mp->producer_name);
	m->producer_version = S(mp->producer_version);
	m->domain = S(mp->domain);
	m->model_version = mp->has_model_version ? mp->model_version : 0;
	m->doc = S(mp->doc_string);
	m->graphname = mp->graph ? S(mp->graph->name) : "";
	m->target = "";
	if (mp->n_opset_import > INT_MAX || mp->n_metadata_props > INT_MAX ||
	    mp->n_functions > INT_MAX)
		error(r->path, "model header has too many entries");
	m->nopset = (int)mp->n_opset_import;
	m->opset = arena_alloc(r->a, (mp->n_opset_import + 1) * sizeof(Opset));
	for (k = 0; k < mp->n_opset_import; k++) {
		d = S(mp->opset_import[k]->domain);
		m->opset[k].domain = strcmp(d, "ai.onnx") == 0 ? "" : d;
		m->opset[k].version = mp->opset_import[k]->version;
		if (!m->opset[k].domain[0] && (m->opset[k].version < 0 ||
		    m->opset[k].version > MAXOPSET))
			error(r->path, "opset_import: ai.onnx opset %lld is not "
			    "supported (ONNX opsets go up to %d)",
			    (long long)m->opset[k].version, MAXOPSET);
	}
	m->nmeta = (int)mp->n_metadata_props;
	m->meta = arena_alloc(r->a, (mp->n_metadata_props + 1) * sizeof(Meta));
	for (k = 0; k < mp->n_metadata_props; k++) {
		m->meta[k].key = S(mp->metadata_props[k]->key);
		m->meta[k].value = S(mp->metadata_props[k]->value);
	}
	m->nfunc = (int)mp->n_functions;
	m->func = packlist(r, mp->n_functions,
	    (ProtobufCMessage **)mp->functions);
}

static void
initializers(Reader *r, const Onnx__GraphProto *g)
{
	Where w;
	Cst c;
	Ref old;
	size_t k;
	int ci;

	if (g->n_sparse_initializer)
		error(r->path, "sparse initializer '%s' is not supported",
		    q(r, g->sparse_initializer[0]->values ?
			g->sparse_initializer[0]->values->name : ""));
	for (k = 0; k < g->n_initializer; k++) {
		const Onnx__TensorProto *t = g->initializer[k];

		w.kind = "initializer";
		w.name = S(t->name);
		w.ins = -1;
		if (!w.name[0])
			error(r->path, "initializer #%zu has no name", k);
		decode_tensor(r, t, &w, &c);
		ci = ir_addcst(r->m, c.name, c.type, c.data, c.nbytes);
		if (!define(r, c.name, ref_cst(ci), &old))
			error(r->path, "initializer '%s' is defined twice",
			    q(r, c.name));
	}
}

static void
inputs(Reader *r, const Onnx__GraphProto *g)
{
	const char *name;
	Ref ref;
	size_t k;
	int v;

	for (k = 0; k < g->n_input; k++) {
		name = S(g->input[k]->name);
		if (!name[0])
			error(r->path, "graph input #%zu has no name", k);
		if (lookup(r, name, &ref)) {
			if (ref.kind == Rcst && !r->m->cst[ref.idx].isinput) {
				r->m->cst[ref.idx].isinput = true;
				/* the type must still be a tensor type */
				decode_type(r, g->input[k]->type, "input", name);
				continue;
			}
			error(r->path, "graph input '%s' is listed twice",
			    q(r, name));
		}
		v = ir_addval(r->m, name,
		    decode_type(r, g->input[k]->type, "input", name));
		define(r, name, ref_val(v), &ref);
		vec_push(r->m->in, r->m->nin, r->m->capin, v);
	}
}

/* Instructions and their result values; operands come later. */
static void
nodes(Reader *r, const Onnx__GraphProto *g)
{
	const Onnx__NodeProto *np;
	const char *dom, *name;
	Ins *in;
	Ref old;
	size_t k, j;
	int op, ins, v;

	for (k = 0; k < g->n_node; k++) {
		np = g->node[k];
		dom = S(np->domain);
		if (strcmp(dom, "ai.onnx") == 0)
			dom = "";
		if ((!np->op_type || !np->op_type[0]) && S(np->name)[0])
			error(r->path, "node '%s' has no op_type", q(r, np->name));
		if (!np->op_type || !np->op_type[0])
			error(r->path, "node #%zu has no op_type", k);
		if (np->n_input > INT_MAX || np->n_output > INT_MAX)
			error(r->path, "node #%zu has too many operands", k);
		op = ir_opbyonnx(dom, np->op_type);
		in = ir_addins(r->m, op, (int)np->n_input, (int)np->n_output);
		ins = r->m->nins - 1;
		in->name = S(np->name);
		if (op == Oopaque) {
			in->domain = dom;
			in->optype = np->op_type;
		}
		if (dom[0] && !ir_opset(r->m, dom))
			nodeerr(r, ins, "domain '%s' is not imported by the "
			    "model (no opset_import entry)", q(r, dom));
		for (j = 0; j < np->n_output; j++) {
			name = S(np->output[j]);
			if (!name[0])
				continue;
			v = ir_addval(r->m, name, type_unknown());
			if (!define(r, name, ref_val(v), &old))
				nodeerr(r, ins, "output '%s' is already defined "
				    "by %s", q(r, name), definer(r, old));
			ir_setout(r->m, ins, (int)j, v);
		}
		attributes(r, ins, np);
	}
}

/* Types from value_info and graph outputs, for values nodes define. */
static void
settype(Reader *r, const Onnx__ValueInfoProto *vi, const char *what)
{
	Ref ref;

	if (!lookup(r, S(vi->name), &ref) || ref.kind != Rval ||
	    r->m->val[ref.idx].def < 0)
		return;
	r->m->val[ref.idx].type = decode_type(r, vi->type, what, vi->name);
}

static void
types(Reader *r, const Onnx__GraphProto *g)
{
	const Onnx__TypeProto *tp;
	size_t k;

	for (k = 0; k < g->n_value_info; k++) {
		tp = g->value_info[k]->type;
		/* hints only: non-tensor ones (sequences...) are skipped */
		if (tp && tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
			continue;
		settype(r, g->value_info[k], "value");
	}
	for (k = 0; k < g->n_output; k++)
		settype(r, g->output[k], "output");
}

static void
outputs(Reader *r, const Onnx__GraphProto *g)
{
	const char *name;
	Ref ref;
	size_t k;

	for (k = 0; k < g->n_output; k++) {
		name = S(g->output[k]->name);
		if (!name[0])
			error(r->path, "graph output #%zu has no name", k);
		if (!lookup(r, name, &ref))
			error(r->path, "graph output '%s' is not defined by any "
			    "node, initializer or graph input", q(r, name));
		/* the declared type must be a tensor type, whatever names it */
		decode_type(r, g->output[k]->type, "output", name);
		vec_push(r->m->out, r->m->nout, r->m->capout, ref);
	}
}

static void
operands(Reader *r, const Onnx__GraphProto *g)
{
	const Onnx__NodeProto *np;
	const char *name;
	Ref ref;
	size_t k, j;

	for (k = 0; k < g->n_node; k++) {
		np = g->node[k];
		for (j = 0; j < np->n_input; j++) {
			name = S(np->input[j]);
			if (!name[0])
				continue;	/* Rnone */
			if (!lookup(r, name, &ref))
				nodeerr(r, (int)k, "input '%s' is not defined by "
				    "any node, initializer or graph input",
				    q(r, name));
			r->m->ins[k].in[j] = ref;
		}
	}
}

/* After ir_toposort failed (instructions still in file order): a node on a
 * cycle, found by depth-first search over operand edges. */
static int
cyclenode(Reader *r)
{
	Module *m = r->m;
	int *color, *stk, *pos, sp, i, s, k, d;
	Ref ref;

	color = arena_alloc(r->tmp, (size_t)(m->nins + 1) * sizeof(int));
	stk = arena_alloc(r->tmp, (size_t)(m->nins + 1) * sizeof(int));
	pos = arena_alloc(r->tmp, (size_t)(m->nins + 1) * sizeof(int));
	for (s = 0; s < m->nins; s++) {
		if (color[s])
			continue;
		sp = 0;
		stk[sp++] = s;
		color[s] = 1;
		while (sp > 0) {
			i = stk[sp - 1];
			k = pos[i]++;
			if (k >= m->ins[i].nin) {
				color[i] = 2;
				sp--;
				continue;
			}
			ref = m->ins[i].in[k];
			if (ref.kind != Rval || (d = m->val[ref.idx].def) < 0)
				continue;
			if (color[d] == 1)
				return d;
			if (color[d] == 0) {
				color[d] = 1;
				stk[sp++] = d;
			}
		}
	}
	return 0;
}

Module *
onnx_read(const char *path)
{
	Onnx__ModelProto *mp;
	const Onnx__GraphProto *g;
	Reader r;
	size_t nnames, k;

	memset(&r, 0, sizeof r);
	r.m = ir_new(path);
	r.path = r.m->path;
	r.a = r.m->arena;
	r.tmp = arena_new();

	mp = unpack(&r);
	header(&r, mp);
	g = mp->graph;
	if (!g)
		error(r.path, "model has no graph");

	nnames = g->n_initializer + g->n_input;
	for (k = 0; k < g->n_node; k++)
		nnames += g->node[k]->n_output;
	r.names = namemap_new(r.tmp, nnames);

	initializers(&r, g);
	inputs(&r, g);
	nodes(&r, g);
	types(&r, g);
	outputs(&r, g);
	operands(&r, g);
	if (!ir_toposort(r.m))
		error(r.path, "graph has a cycle through %s",
		    nodedesc(&r, cyclenode(&r)));
	arena_free(r.tmp);
	ir_verify(r.m);
	return r.m;
}
