%include {
/*
 * parse.y — the grammar of the textual IR (doc/ir.md has it in BNF).
 *
 * This file is the source of truth: lemon turns it into build/gen/parse.c
 * and parse.h, which are generated and never edited.  Each action is one
 * call of a tx_* builder in frontend/textir.c; the builders check what the
 * grammar cannot (names defined, arity, literal counts) and build the Module.
 * Values live in the scratch arena or the module's, so nothing here needs
 * a %destructor.  The first error exits, so there is no error recovery.
 */
#include "frontend/textir.h"
}

%name sqcParse                      /* sqcParseAlloc, sqcParse, sqcParseFree */
%token_prefix TK_                   /* TK_ID ... in parse.h, used by lex.re */
%token_type {Tok}                   /* a terminal: its text and place */
%extra_argument {Parser *P}         /* the module being built, name maps */
%start_symbol file

/* "expected X, saw Y": X are the terminals the state at the error shifts or
 * reduces on by name (keywords reached only by fallback are left out). */
%syntax_error {
	int expect[YYNTOKEN], n = 0, t, s, i;

	s = yypParser->yytos->stateno;
	for (t = 1; t < YYNTOKEN && s <= YY_MAX_SHIFT; t++) {
		i = yy_shift_ofst[s] + t;
		if (yy_lookahead[i] == t)
			expect[n++] = t;
	}
	tx_syntax(P, yymajor, &TOKEN, expect, n);
}
%stack_overflow { tx_error(P, &P->last, "nesting is too deep"); }

/* Token order: punctuation, literals, then keywords.  Keywords fall back to
 * ID, so that a keyword can name a dimension or an attribute.  Not INPUT: it
 * may follow a type, where a bare ID is a layout and lemon's default
 * reductions would let the fallback win; dim and aname list it instead. */
%token LPAREN RPAREN LBRACKET RBRACKET LBRACE RBRACE LT GT COMMA COLON
	COLONCOLON EQ STAR QUESTION UNDER NL.
%token INT FLOAT NEGINF STRING HEX EMPTYLIST VALNAME CSTNAME ATNAME ID.
%token MODULE IRVERSION OPSET PRODUCER DOMAIN MODELVERSION DOC GRAPH META
	FUNCTION CONST INPUT FUNC RET ELIDED Q RANGE TENSOR SPARSE TYPEPROTO
	NAN INF TARGET.
%fallback ID MODULE IRVERSION OPSET PRODUCER DOMAIN MODELVERSION DOC GRAPH
	META FUNCTION CONST FUNC RET ELIDED Q RANGE TENSOR SPARSE
	TYPEPROTO NAN INF UNDER TARGET.

//////////////////////// The module //////////////////////////////////////////

file ::= header consts func.

header ::= .
header ::= MODULE hitems NL.
hitems ::= .
hitems ::= hitems hitem.
hitems ::= hitems NL hitem.

hitem ::= IRVERSION(K) INT(A).          { tx_header(P, &K, &A, NULL); }
hitem ::= OPSET(K) STRING(A) INT(B).    { tx_header(P, &K, &A, &B); }
hitem ::= PRODUCER(K) STRING(A) STRING(B). { tx_header(P, &K, &A, &B); }
hitem ::= DOMAIN(K) STRING(A).          { tx_header(P, &K, &A, NULL); }
hitem ::= MODELVERSION(K) INT(A).       { tx_header(P, &K, &A, NULL); }
hitem ::= DOC(K) STRING(A).             { tx_header(P, &K, &A, NULL); }
hitem ::= TARGET(K) STRING(A).          { tx_header(P, &K, &A, NULL); }
hitem ::= GRAPH(K) STRING(A).           { tx_header(P, &K, &A, NULL); }
hitem ::= META(K) STRING(A) STRING(B).  { tx_header(P, &K, &A, &B); }
hitem ::= FUNCTION(K) HEX(A).           { tx_header(P, &K, &A, NULL); }
hitem ::= FUNCTION(K) ELIDED(A).        { tx_header(P, &K, &A, NULL); }

//////////////////////// Constants ///////////////////////////////////////////

consts ::= .
consts ::= consts cdecl.

/* The newline belongs to the rule, so that a syntax error on the line is
 * found before the action runs. */
cdecl ::= CONST CSTNAME(N) COLON type(T) isinput(I) EQ data(B) NL.
	{ tx_const(P, &N, T, I, B); }

%type isinput {bool}
isinput(A) ::= .                        { A = false; }
isinput(A) ::= INPUT.                   { A = true; }

/* A constant's or a tensor attribute's data. */
%type data {Elem *}
data(A) ::= list(L).                    { A = L; }
data(A) ::= HEX(T).                     { A = tx_elem(P, Ehex, &T); }
data(A) ::= ELIDED(T).                  { A = tx_elem(P, Eelided, &T); }

//////////////////////// Types ///////////////////////////////////////////////

%type type {Type *}
type(A) ::= dtype(D) LBRACKET dims(S) RBRACKET suffix(X).
	{ A = tx_type(P, D, S, X); }

%type dtype {Tok *}
dtype(A) ::= ID(T).                     { A = tx_tok(P, &T); }
dtype(A) ::= QUESTION(T).               { A = tx_tok(P, &T); }

/* NULL: unknown rank ([*]); an empty list: a scalar ([]) */
%type dims {List *}
dims(A) ::= .                           { A = tx_list(P, NULL, NULL); }
dims(A) ::= STAR.                       { A = NULL; }
dims(A) ::= dimlist(L).                 { A = L; }
%type dimlist {List *}
dimlist(A) ::= dim(D).                  { A = tx_list(P, NULL, D); }
dimlist(A) ::= dimlist(L) COMMA dim(D). { A = tx_list(P, L, D); }
%type dim {Tok *}
dim(A) ::= INT(T).                      { A = tx_tok(P, &T); }
dim(A) ::= ID(T).                       { A = tx_tok(P, &T); }
dim(A) ::= STRING(T).                   { A = tx_tok(P, &T); }
dim(A) ::= QUESTION(T).                 { A = tx_tok(P, &T); }
dim(A) ::= INPUT(T).                    { A = tx_tok(P, &T); }

/* layout, quantization and range, each at most once, in any order */
%type suffix {TSuf *}
suffix(A) ::= .                         { A = tx_suffix(P, NULL, NULL); }
suffix(A) ::= suffix(S) ID(L).          { A = tx_suffix(P, S, &L); }
suffix(A) ::= suffix(S) Q(K) LPAREN num(X) COMMA INT(Z) RPAREN.
	{ A = tx_quant(P, S, &K, X, &Z); }
suffix(A) ::= suffix(S) Q(K) LPAREN ID(W) EQ INT(X) COMMA list(L) COMMA
    list(Z) RPAREN.
	{ A = tx_quantaxis(P, S, &K, &W, &X, L, Z); }
suffix(A) ::= suffix(S) RANGE(K) LPAREN num(L) COMMA num(H) RPAREN.
	{ A = tx_range(P, S, &K, L, H); }

%type num {Tok *}
num(A) ::= INT(T).                      { A = tx_tok(P, &T); }
num(A) ::= FLOAT(T).                    { A = tx_tok(P, &T); }
num(A) ::= NAN(T).                      { A = tx_tok(P, &T); }
num(A) ::= INF(T).                      { A = tx_tok(P, &T); }
num(A) ::= NEGINF(T).                   { A = tx_tok(P, &T); }

//////////////////////// The function ////////////////////////////////////////

func ::= FUNC ATNAME LPAREN params RPAREN LBRACE NL insns RET rets NL RBRACE NL.

params ::= .
params ::= paramlist.
paramlist ::= param.
paramlist ::= paramlist COMMA param.
param ::= VALNAME(N) opttype(T).        { tx_param(P, &N, T); }

%type opttype {Type *}
opttype(A) ::= .                        { A = NULL; }
opttype(A) ::= COLON type(T).           { A = T; }

rets ::= .
rets ::= retlist.
retlist ::= ret.
retlist ::= retlist COMMA ret.
ret ::= VALNAME(T).                     { tx_ret(P, &T); }
ret ::= CSTNAME(T).                     { tx_ret(P, &T); }

//////////////////////// Instructions ////////////////////////////////////////

insns ::= .
insns ::= insns ins.

ins ::= results(R) EQ op(O) node(N) operands(I) attrs(A) NL.
	{ tx_ins(P, R, O, N, I, A); }
ins ::= op(O) node(N) operands(I) attrs(A) NL.
	{ tx_ins(P, NULL, O, N, I, A); }

%type results {List *}
results(A) ::= result(X).               { A = tx_list(P, NULL, X); }
results(A) ::= results(L) COMMA result(X). { A = tx_list(P, L, X); }
%type result {Res *}
result(A) ::= VALNAME(N) opttype(T).    { A = tx_res(P, &N, T); }
result(A) ::= UNDER(N).                 { A = tx_res(P, &N, NULL); }

%type op {OpSpec *}
op(A) ::= ID(T).                        { A = tx_op(P, NULL, &T); }
op(A) ::= STRING(T).                    { A = tx_op(P, NULL, &T); }
op(A) ::= STRING(D) COLONCOLON STRING(T). { A = tx_op(P, &D, &T); }

%type node {Tok *}
node(A) ::= .                           { A = NULL; }
node(A) ::= ATNAME(T).                  { A = tx_tok(P, &T); }

%type operands {List *}
operands(A) ::= .                       { A = NULL; }
operands(A) ::= opdlist(L).             { A = L; }
%type opdlist {List *}
opdlist(A) ::= opd(X).                  { A = tx_list(P, NULL, X); }
opdlist(A) ::= opdlist(L) COMMA opd(X). { A = tx_list(P, L, X); }
%type opd {Opd *}
opd(A) ::= VALNAME(T).                  { A = tx_opd(P, &T); }
opd(A) ::= CSTNAME(T).                  { A = tx_opd(P, &T); }
opd(A) ::= UNDER(T).                    { A = tx_opd(P, &T); }

//////////////////////// Attributes //////////////////////////////////////////

%type attrs {List *}
attrs(A) ::= .                          { A = NULL; }
attrs(A) ::= LBRACE RBRACE.             { A = NULL; }
attrs(A) ::= LBRACE attrlist(L) RBRACE. { A = L; }
%type attrlist {List *}
attrlist(A) ::= attr(X).                { A = tx_list(P, NULL, X); }
attrlist(A) ::= attrlist(L) COMMA attr(X). { A = tx_list(P, L, X); }
%type attr {Attr *}
attr(A) ::= aname(N) EQ value(V).       { A = tx_attr(P, N, V); }
%type aname {Tok *}
aname(A) ::= ID(T).                     { A = tx_tok(P, &T); }
aname(A) ::= STRING(T).                 { A = tx_tok(P, &T); }
aname(A) ::= INPUT(T).                  { A = tx_tok(P, &T); }

%type value {Elem *}
value(A) ::= elem(E).                   { A = E; }
value(A) ::= list(L).                   { A = L; }
value(A) ::= EMPTYLIST(T).              { A = tx_elem(P, Eempty, &T); }

%type list {Elem *}
list(A) ::= LBRACKET(T) RBRACKET.       { A = tx_listelem(P, &T, NULL); }
list(A) ::= LBRACKET(T) elems(L) RBRACKET. { A = tx_listelem(P, &T, L); }
%type elems {List *}
elems(A) ::= elem(E).                   { A = tx_list(P, NULL, E); }
elems(A) ::= elems(L) COMMA elem(E).    { A = tx_list(P, L, E); }

%type elem {Elem *}
elem(A) ::= INT(T).                     { A = tx_elem(P, Eint, &T); }
elem(A) ::= FLOAT(T).                   { A = tx_elem(P, Efloat, &T); }
elem(A) ::= NAN(T).                     { A = tx_elem(P, Efloat, &T); }
elem(A) ::= INF(T).                     { A = tx_elem(P, Efloat, &T); }
elem(A) ::= NEGINF(T).                  { A = tx_elem(P, Efloat, &T); }
elem(A) ::= STRING(T).                  { A = tx_elem(P, Estr, &T); }
elem(A) ::= TENSOR(K) LT type(T) GT tname(N) data(B).
	{ A = tx_tensor(P, &K, T, N, B); }
elem(A) ::= GRAPH(K) blob(B).           { A = tx_blob(P, &K, B); }
elem(A) ::= SPARSE(K) blob(B).          { A = tx_blob(P, &K, B); }
elem(A) ::= TYPEPROTO(K) blob(B).       { A = tx_blob(P, &K, B); }

%type tname {Tok *}
tname(A) ::= .                          { A = NULL; }
tname(A) ::= STRING(T).                 { A = tx_tok(P, &T); }

%type blob {Tok *}
blob(A) ::= HEX(T).                     { A = tx_tok(P, &T); }
blob(A) ::= ELIDED(T).                  { A = tx_tok(P, &T); }
