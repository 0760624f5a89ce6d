/*
 * ir.h — the index of sqc's IR.  Read top to bottom: the types of a module,
 * then every function each ir/ file exports, grouped by file.
 *
 * A Module is one graph in SSA form (DESIGN.md §2):
 *   val[]   values: graph inputs and instruction results.  Each is defined once,
 *           by a graph input (def == -1) or by output defout of ins[def].
 *   cst[]   the constant table: initializers, folded Constant nodes, weights.
 *   ins[]   instructions in a topological order (every operand defined before
 *           use).  An instruction names its operands with Refs (indices, not
 *           pointers), so tables can grow and passes can rewrite freely.
 *   in[]    graph inputs (value indices); out[] graph outputs (Refs).
 *
 * A value's Type carries dtype, shape, layout and — once quantized — its
 * quantization parameters (a conv whose operands are i8 with scales *is* the
 * quantized conv) and, once calibrated, its observed range.
 *
 * Names are the ONNX tensor/node names, kept exactly, so an imported model
 * exports with the same interface.  Strings and small arrays live in the
 * module's arena; val/cst/ins are heap arrays that grow (indices stay valid).
 */
#ifndef SQC_IR_H
#define SQC_IR_H

#include <stdio.h>

#include "util.h"

enum { SQC_MAXRANK = 8 };

/* Element types.  The numbers are ONNX's TensorProto.DataType, on purpose. */
typedef enum DType {
	Dundef = 0,
	Df32 = 1, Du8 = 2, Di8 = 3, Du16 = 4, Di16 = 5, Di32 = 6, Di64 = 7,
	Dstr = 8, Dbool = 9, Df16 = 10, Df64 = 11, Du32 = 12, Du64 = 13,
	Dc64 = 14, Dc128 = 15, Dbf16 = 16,
	Dcount
} DType;

typedef enum Layout {
	Lnone,		/* no layout meaning (vectors, matrices, unknown) */
	Lnchw,		/* 4-D activation, ONNX's order */
	Lnhwc,		/* 4-D activation, the systolic kernels' order */
	Loihw,		/* conv weight, ONNX's order */
	Lhwio,		/* conv weight packed [kh*kw*cin][cout] */
	Lckk,		/* depthwise weight packed [C][kh][kw] */
	Lkn,		/* matmul/gemm B packed [K][N] */
	Lcount
} Layout;

/* Quantization parameters: real = scale * (q - zero).  Per-tensor when
 * axis < 0 (n == 1); per-axis otherwise (n == dim[axis]). */
typedef struct QParam {
	int axis;
	int n;
	float *scale;
	int32_t *zero;
} QParam;

typedef struct Type {
	DType dt;
	int rank;			/* -1: rank unknown */
	int64_t dim[SQC_MAXRANK];	/* -1: unknown (see sym) */
	const char *sym[SQC_MAXRANK];	/* symbolic name of an unknown dim, or NULL */
	Layout layout;
	QParam *q;			/* NULL unless quantized */
	bool hasrange;			/* calibrated: observed [lo, hi] */
	float lo, hi;
} Type;

typedef enum RefKind { Rnone, Rval, Rcst } RefKind;

/* An operand: a value, a constant, or an omitted optional input (Rnone). */
typedef struct Ref {
	RefKind kind;
	int idx;
} Ref;

typedef struct Val {
	const char *name;
	Type type;
	int def;		/* defining instruction, -1 for a graph input */
	int defout;		/* which output of ins[def] */
} Val;

/* A constant: packed little-endian elements in row-major order (bool as one
 * byte, f16/bf16 as their 16-bit patterns).  Strings are an array of Bytes. */
typedef struct Cst {
	const char *name;
	Type type;		/* always a static shape */
	void *data;		/* nbytes bytes (Bytes[n] for Dstr) */
	size_t nbytes;
	bool isinput;		/* also a graph input (initializer with a default) */
} Cst;

typedef enum AttrKind {
	Aint, Afloat, Astr, Atensor, Agraph, Asparse, Atypeproto,
	Aints, Afloats, Astrs, Atensors, Agraphs, Asparses, Atypeprotos,
} AttrKind;

/* An attribute.  Tensors are decoded into a Cst (name, type, data) so that
 * canonicalize can fold Constant; graphs, sparse tensors and type protos stay
 * opaque: their serialized protobuf bytes are kept in blob[]. */
typedef struct Attr {
	const char *name;
	AttrKind kind;
	int n;			/* element count of a list kind (1 for scalars) */
	int64_t i;
	float f;
	Bytes s;
	int64_t *ints;
	float *floats;
	Bytes *strs;
	Cst *tensors;		/* Atensor (n = 1) and Atensors */
	Bytes *blob;		/* Agraph, Asparse, Atypeproto and their lists */
} Attr;

enum Op {
	Onop,
#define OP(id, onnx, i0, i1, o0, o1, fl) O##id,
#include "ops.h"
#undef OP
	Oopaque,
	Ocount
};

enum {
	F_QUANT = 1 << 0,
	F_LAYOUT = 1 << 1,
	F_ACT = 1 << 2,
	F_PASS = 1 << 3,
	F_ELT = 1 << 4,
};

typedef struct OpInfo {
	const char *name;	/* IR spelling */
	const char *onnx;	/* ONNX op_type in the default domain */
	int inmin, inmax, outmin, outmax;	/* VAR (255) = unbounded */
	unsigned flags;
} OpInfo;

typedef struct Ins {
	int op;			/* Oxxx */
	const char *name;	/* node name, "" if the node had none */
	const char *domain;	/* Oopaque: ONNX domain ("" = ai.onnx) */
	const char *optype;	/* Oopaque: ONNX op_type */
	int nin;
	Ref *in;
	int nout;
	int *out;		/* value index, -1 for an omitted optional output */
	int nattr;
	Attr *attr;
} Ins;

typedef struct Opset {
	const char *domain;	/* "" for ai.onnx */
	int64_t version;
} Opset;

typedef struct Meta {
	const char *key, *value;
} Meta;

typedef struct Module {
	Arena *arena;
	const char *path;	/* where it was read from, for diagnostics */

	/* model header, kept for export */
	int64_t irversion;
	const char *producer, *producer_version, *domain, *graphname, *doc;
	int64_t model_version;
	int nopset;
	Opset *opset;
	int nmeta;
	Meta *meta;
	int nfunc;
	Bytes *func;		/* model-local FunctionProtos, serialized, opaque */
	const char *target;	/* "" float; "systolic" or "ort" once quantized
				 * (doc/quantization.md section 8) */

	int nval, capval;
	Val *val;
	int ncst, capcst;
	Cst *cst;
	int nins, capins;
	Ins *ins;
	int nin, capin;
	int *in;
	int nout, capout;
	Ref *out;
} Module;

/* A tensor's contents at run time: what the interpreter, the dataset loaders
 * and the calibrator pass around.  data is packed row-major, little-endian,
 * laid out as Cst.data; nbytes = numel * dtype_size(dt). */
typedef struct Tensor {
	DType dt;
	int rank;
	int64_t dim[SQC_MAXRANK];
	void *data;
	size_t nbytes;
} Tensor;

/* ir.c: tables, constructors, small queries */
extern const OpInfo optab[Ocount];
Module *ir_new(const char *path);
void ir_free(Module *m);
int ir_addval(Module *m, const char *name, Type t);	/* def = -1 until set */
int ir_addcst(Module *m, const char *name, Type t, void *data, size_t nbytes);
Ins *ir_addins(Module *m, int op, int nin, int nout);	/* appended; in[] = Rnone, out[] = -1 */
void ir_setout(Module *m, int ins, int k, int val);	/* ins[ins].out[k] = val, val.def = ins */
Attr *ir_addattr(Module *m, Ins *in, const char *name, AttrKind kind);
Attr *ir_getattr(const Ins *in, const char *name);	/* NULL if absent */
int64_t ir_attrint(const Ins *in, const char *name, int64_t dflt);
float ir_attrfloat(const Ins *in, const char *name, float dflt);
/* an ints attribute of exactly n values, else n copies of dflt in buf */
const int64_t *ir_attrints(const Ins *in, const char *name, int n, int64_t dflt,
    int64_t *buf);
int ir_opbyname(const char *irname);			/* IR spelling -> Oxxx, -1 if none */
int ir_opbyonnx(const char *domain, const char *optype); /* Oopaque if not in the table */
const char *ir_opname(const Module *m, const Ins *in);	/* ONNX op_type of any ins */
int64_t ir_opset(const Module *m, const char *domain);	/* imported version, 0 if none */
Ref ref_val(int v);
Ref ref_cst(int c);
Ref ref_none(void);
bool ref_eq(Ref a, Ref b);
Type *ir_reftype(Module *m, Ref r);			/* NULL for Rnone */
const char *ir_refname(const Module *m, Ref r);		/* "" for Rnone */
/* Drop Onop instructions, values nothing defines (other than graph inputs)
 * and constants nothing uses (other than graph inputs and outputs); renumber
 * every reference.  Call after a pass that deletes. */
void ir_compact(Module *m);
void ir_replaceuses(Module *m, Ref from, Ref to);	/* operands and graph outputs */
const char *ir_uniquename(Module *m, const char *base);	/* base, or base_N if taken */
/* "PATH: error: node 'NAME' (OP): MSG", exit 1 (in may be NULL: no node) */
noreturn void ir_error(const Module *m, const Ins *in, const char *fmt, ...) PRINTF(3, 4);

/* clone.c: a copy passes can rewrite (shares strings and constant data,
 * so the original must outlive it) */
Module *ir_clone(const Module *m);

/* type.c: dtypes, layouts, shapes */
const char *dtype_name(DType dt);	/* "f32"...; NULL if dt has no spelling */
int dtype_byname(const char *s);	/* -1 if unknown */
size_t dtype_size(DType dt);		/* bytes per element; 0 for Dstr/Dundef */
const char *layout_name(Layout l);	/* "" for Lnone */
int layout_byname(const char *s);	/* -1 if unknown */
Type type_unknown(void);		/* dt Dundef, rank -1 */
Type type_make(DType dt, int rank, const int64_t *dim);
bool type_static(const Type *t);	/* rank and every dim known */
bool type_numel(const Type *t, size_t *n);	/* false if unknown or overflowing */
bool type_eq(const Type *a, const Type *b);	/* dtype, shape, layout, quant, range */
bool qparam_eq(const QParam *a, const QParam *b);	/* both NULL, or the same parameters */
char *type_str(char *buf, size_t n, const Type *t);	/* "f32[1,3,?,N]" for messages */

/* use.c: analyses (recomputed on demand, never cached in the Module) */
typedef struct Uses {
	int *count;		/* per value: number of operand slots using it */
	int *cstcount;		/* per constant */
	int **user;		/* per value: the instruction index of each use */
} Uses;
Uses *ir_uses(Module *m, Arena *scratch);
bool ir_isoutput(const Module *m, int val);
bool ir_toposort(Module *m);	/* false if the graph has a cycle */

/* shape.c: dtype and shape inference for every op in the table.  Fills in
 * each value's dtype and dims from the graph inputs, constants and attributes
 * (symbolic dims propagate where an op keeps them); a declared type that
 * disagrees with the inferred one is a user error naming the node.  Outputs of
 * opaque ops, and of ops whose result shape depends on non-constant data,
 * stay unknown.  Idempotent. */
void ir_infer(Module *m);
Type tensor_type(const Tensor *t);		/* shape.c: a static Type for t */

/* verify.c: the verifier.  Reports the first broken invariant as a user error
 * naming the module file, the node and the value; returns only if valid. */
void ir_verify(Module *m);

/* print.c: the textual IR (doc/ir.md) */
enum { PRINT_FULL = 1 };	/* constants in full instead of elided */
void ir_print(Module *m, FILE *f, int flags);

#endif
