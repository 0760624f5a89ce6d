/*
 * read.c — module_read: pick the reader by content, not by file name.
 *
 * Textual IR is plain text that starts (after blanks) with a comment or one
 * of the top-level keywords; an ONNX ModelProto starts with a protobuf field
 * tag (ir_version is field 1: byte 0x08).  "-" is always text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "frontend.h"

static bool
looks_textual(const char *path)
{
	FILE *f;
	char buf[4096];
	size_t n, k;

	f = fopen(path, "rb");
	if (!f)
		error(path, "cannot open: %s", strerror(errno));
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (k = 0; k < n && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\n' || buf[k] == '\r'); k++)
		;
	if (k == n)
		return false;	/* empty or blank: the ONNX reader says "file is empty" */
	if (buf[k] == '#')
		return true;
	return (n - k >= 6 && memcmp(buf + k, "module", 6) == 0) ||
	       (n - k >= 5 && memcmp(buf + k, "const", 5) == 0) ||
	       (n - k >= 4 && memcmp(buf + k, "func", 4) == 0);
}

Module *
module_read(const char *path)
{
	if (strcmp(path, "-") == 0 || looks_textual(path))
		return text_read(path);
	return onnx_read(path);
}
