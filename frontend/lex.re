/* re2c -W -o build/gen/lex.c frontend/lex.re */
/*
 * lex.re — the tokenizer of the textual IR (doc/ir.md).  One call of lex()
 * returns one token: its TK_* code (lemon's parse.h) and its text and place.
 *
 * The input is a whole file with a NUL sentinel after its last byte, so the
 * scanner needs no refill; a NUL before the end is an error.  Spaces and
 * comments are skipped; each newline is a TK_NL token (the reader folds runs
 * of them).  Words that are keywords come back as keyword tokens, which the
 * grammar lets fall back to plain identifiers wherever a keyword cannot
 * stand.  Strings, quoted names and hex blobs come back undecoded: the
 * builders in textir.c decode them, so that they can say where a bad escape
 * is.  Malformed tokens are reported here, at their line and column.
 */
#include "frontend/textir.h"
#include "parse.h"

static noreturn void
lexerror(Lexer *lx, const unsigned char *at, const char *msg)
{
	char where[4096];

	snprintf(where, sizeof where, "%s:%d:%d", lx->path, lx->line,
	    (int)((const char *)at - lx->linestart) + 1);
	error(where, "%s", msg);
}

int
lex(Lexer *lx, Tok *t)
{
	const unsigned char *cur, *tok, *mar;
	char msg[64];
	int code;

	cur = (const unsigned char *)lx->cur;
	for (;;) {
		tok = cur;
		t->p = (const char *)tok;
		t->line = lx->line;
		t->col = (int)((const char *)tok - lx->linestart) + 1;
	/*!re2c
		re2c:define:YYCTYPE = "unsigned char";
		re2c:define:YYCURSOR = cur;
		re2c:define:YYMARKER = mar;
		re2c:yyfill:enable = 0;

		nul     = "\x00";
		name    = [A-Za-z0-9_] [A-Za-z0-9_.]*;
		id      = [A-Za-z_] [A-Za-z0-9_.]*;
		str     = ["] ([^"\\\n\x00] | "\\" [^\n\x00])* ["];
		unterm  = ["] ([^"\\\n\x00] | "\\" [^\n\x00])* "\\"?;
		dec     = [0-9]+;
		exp     = [eE] [+-]? dec;
		int     = "-"? dec;
		float   = "-"? (dec "." [0-9]* exp? | "." dec exp? | dec exp);

		nul {
			if ((const char *)tok != lx->lim)
				lexerror(lx, tok, "unexpected NUL byte");
			cur = tok;
			code = 0;
			break;
		}
		[ \t\r\f\v]+ { continue; }
		"#" [^\n\x00]* { continue; }
		"\n" {
			code = TK_NL;
			lx->line++;
			lx->linestart = (const char *)cur;
			break;
		}

		"(" { code = TK_LPAREN; break; }
		")" { code = TK_RPAREN; break; }
		"[" { code = TK_LBRACKET; break; }
		"]" { code = TK_RBRACKET; break; }
		"{" { code = TK_LBRACE; break; }
		"}" { code = TK_RBRACE; break; }
		"<" { code = TK_LT; break; }
		">" { code = TK_GT; break; }
		"," { code = TK_COMMA; break; }
		":" { code = TK_COLON; break; }
		"::" { code = TK_COLONCOLON; break; }
		"=" { code = TK_EQ; break; }
		"*" { code = TK_STAR; break; }
		"?" { code = TK_QUESTION; break; }
		"_" { code = TK_UNDER; break; }

		"module" { code = TK_MODULE; break; }
		"ir_version" { code = TK_IRVERSION; break; }
		"opset" { code = TK_OPSET; break; }
		"producer" { code = TK_PRODUCER; break; }
		"domain" { code = TK_DOMAIN; break; }
		"model_version" { code = TK_MODELVERSION; break; }
		"doc" { code = TK_DOC; break; }
		"graph" { code = TK_GRAPH; break; }
		"target" { code = TK_TARGET; break; }
		"meta" { code = TK_META; break; }
		"function" { code = TK_FUNCTION; break; }
		"const" { code = TK_CONST; break; }
		"input" { code = TK_INPUT; break; }
		"func" { code = TK_FUNC; break; }
		"ret" { code = TK_RET; break; }
		"elided" { code = TK_ELIDED; break; }
		"q" { code = TK_Q; break; }
		"range" { code = TK_RANGE; break; }
		"tensor" { code = TK_TENSOR; break; }
		"sparse" { code = TK_SPARSE; break; }
		"typeproto" { code = TK_TYPEPROTO; break; }
		"nan" { code = TK_NAN; break; }
		"inf" { code = TK_INF; break; }
		"-inf" { code = TK_NEGINF; break; }
		("ints" | "floats" | "strs" | "tensors" | "graphs" | "sparses"
		    | "typeprotos") "[]" { code = TK_EMPTYLIST; break; }

		int { code = TK_INT; break; }
		float { code = TK_FLOAT; break; }
		str { code = TK_STRING; break; }
		"hex" str { code = TK_HEX; break; }
		"%" (name | str) { code = TK_VALNAME; break; }
		"$" (name | str) { code = TK_CSTNAME; break; }
		"@" (name | str) { code = TK_ATNAME; break; }
		id { code = TK_ID; break; }

		("hex" | [%$@])? unterm { lexerror(lx, tok, "unterminated string"); }
		[%$@] {
			snprintf(msg, sizeof msg, "expected a name after '%c'", *tok);
			lexerror(lx, tok, msg);
		}
		* {
			if (*tok >= 0x21 && *tok < 0x7f)
				snprintf(msg, sizeof msg, "unexpected character '%c'",
				    *tok);
			else
				snprintf(msg, sizeof msg,
				    "unexpected byte 0x%02x", *tok);
			lexerror(lx, tok, msg);
		}
	*/
	}
	(void)mar;
	t->n = (size_t)(cur - tok);
	lx->cur = (const char *)cur;
	return code;
}
