/*
 * textir.h — private to the textual IR reader: what frontend/lex.re,
 * frontend/parse.y and frontend/textir.c share.  Nothing else includes it.
 *
 *   lex.re     Lexer + lex(): one token per call, TK_* codes from parse.h
 *   parse.y    the lemon grammar; every action calls one tx_* builder
 *   textir.c   text_read (the driver loop) and the tx_* builders, which
 *              check the text and build the Module with ir_* calls
 *
 * Every builder that finds a mistake reports "file:line:col: error: ..."
 * and exits; the parser never has to recover.  Temporaries (lists, types,
 * attribute values) live in the parse's scratch arena.
 */
#ifndef SQC_TEXTIR_H
#define SQC_TEXTIR_H

#include "../ir/ir.h"

/* A token: its text in the source buffer and where it starts. */
typedef struct Tok {
	const char *p;
	size_t n;
	int line, col;
} Tok;

typedef struct Lexer {
	const char *path;
	const char *cur, *lim;	/* *lim == '\0' is the sentinel */
	const char *linestart;
	int line;
} Lexer;

int lex(Lexer *lx, Tok *t);	/* TK_* code; 0 at the end of the input */

/* A growable list of pointers (scratch arena). */
typedef struct List {
	int n, cap;
	void **v;
} List;

/* A literal, a list of them, or an attribute's value.  Ehex and Eelided
 * are a constant's data; a blob's tok is its HEX or `elided` token. */
typedef enum EKind {
	Eint, Efloat, Estr, Ehex, Eelided, Elist, Eempty,
	Etensor, Egraph, Esparse, Etypeproto,
} EKind;

typedef struct Elem {
	EKind kind;
	Tok tok;		/* its token: text and place */
	List *list;		/* Elist: Elem * */
	Cst *tensor;		/* Etensor */
	Bytes blob;		/* Egraph, Esparse, Etypeproto */
	bool elided;		/* a tensor's or blob's data is `elided` */
} Elem;

/* A result slot of an instruction: `%x: type` or `_` (none). */
typedef struct Res {
	Tok name;
	Type *type;
	bool none;
} Res;

/* An operand as written: `%x`, `$w` or `_`. */
typedef struct Opd {
	Tok tok;
	Ref ref;
} Opd;

/* The op of an instruction: an IR op name or an opaque "domain"::"type". */
typedef struct OpSpec {
	Tok tok;
	int op;
	const char *domain, *optype;
} OpSpec;

/* A type's suffix: layout, quantization and range, each at most once. */
typedef struct TSuf {
	Layout layout;
	QParam *q;
	bool hasrange;
	float lo, hi;
	unsigned seen;
} TSuf;

typedef struct Parser {
	Module *m;
	const char *path;	/* as shown in diagnostics */
	Arena *tmp;
	NameMap *vals, *csts;	/* name -> index */
	Tok last;		/* the token being fed */
	unsigned hseen;		/* header items given once */
} Parser;

/* textir.c: diagnostics */
noreturn void tx_error(Parser *P, const Tok *t, const char *fmt, ...)
	PRINTF(3, 4);
noreturn void tx_syntax(Parser *P, int code, const Tok *t, const int *expect,
    int n);

/* textir.c: builders, called from the actions of parse.y */
Tok *tx_tok(Parser *P, const Tok *t);		/* a copy in the scratch arena */
List *tx_list(Parser *P, List *l, void *x);	/* l NULL: new; x NULL: none */
void tx_header(Parser *P, const Tok *kw, const Tok *a, const Tok *b);
Type *tx_type(Parser *P, const Tok *dt, List *dims, TSuf *suf);
TSuf *tx_suffix(Parser *P, TSuf *s, const Tok *layout);
TSuf *tx_quant(Parser *P, TSuf *s, const Tok *kw, const Tok *scale,
    const Tok *zero);
TSuf *tx_quantaxis(Parser *P, TSuf *s, const Tok *kw, const Tok *word,
    const Tok *axis, Elem *scales, Elem *zeros);
TSuf *tx_range(Parser *P, TSuf *s, const Tok *kw, const Tok *lo,
    const Tok *hi);
Elem *tx_elem(Parser *P, EKind kind, const Tok *t);
Elem *tx_listelem(Parser *P, const Tok *lbrack, List *elems);
Elem *tx_tensor(Parser *P, const Tok *kw, Type *t, const Tok *name,
    Elem *data);
Elem *tx_blob(Parser *P, const Tok *kw, const Tok *body);
void tx_const(Parser *P, const Tok *name, Type *t, bool isinput, Elem *data);
void tx_param(Parser *P, const Tok *name, Type *t);
Res *tx_res(Parser *P, const Tok *name, Type *t);
OpSpec *tx_op(Parser *P, const Tok *domain, const Tok *name);
Opd *tx_opd(Parser *P, const Tok *t);
Attr *tx_attr(Parser *P, const Tok *name, Elem *v);
void tx_ins(Parser *P, List *res, OpSpec *op, const Tok *node, List *opds,
    List *attrs);
void tx_ret(Parser *P, const Tok *t);

/* lemon's parser (build/gen/parse.c, %name sqcParse) */
void *sqcParseAlloc(void *(*alloc)(size_t));
void sqcParse(void *parser, int code, Tok tok, Parser *P);
void sqcParseFree(void *parser, void (*dealloc)(void *));

#endif
