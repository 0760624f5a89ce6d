/*
 * mergecalib.c — `sqc merge-calib TABLE... -o OUT`: merge the calibration
 * tables of disjoint shards of a dataset into the table of the whole
 * (passes/calibtable.h; doc/calibration.md §6).
 *
 * Every table must come from the same graph (same hash, same tensors); the
 * merge is exact, so OUT has the bytes `--calib-table` would have written
 * for all the shards' samples at once.  OUT appears whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../passes/calibtable.h"

static const char mergeusage[] =
"usage: sqc merge-calib TABLE... -o OUT\n"
"\n"
"Merges calibration tables made by --calib-table from disjoint shards of a\n"
"dataset (same model, same passes) into the table of the whole dataset.\n";

int
merge_calib_main(int argc, char **argv)
{
	const char *out = NULL, **in;
	CalibTable *acc = NULL, *t;
	Arena *a;
	int nin = 0, i;

	in = xcalloc((size_t)argc + 1, sizeof *in);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(mergeusage, stdout);
			free(in);
			return 0;
		} else if (strcmp(argv[i], "-o") == 0) {
			if (i + 1 >= argc)
				error(NULL, "-o needs a file name");
			out = argv[++i];
		} else if (strncmp(argv[i], "-o", 2) == 0) {
			out = argv[i] + 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			error(NULL, "unknown option '%s' for merge-calib (usage: sqc "
			    "merge-calib TABLE... -o OUT)", argv[i]);
		} else
			in[nin++] = argv[i];
	}
	if (nin == 0)
		error(NULL, "merge-calib needs at least one table (usage: sqc "
		    "merge-calib TABLE... -o OUT)");
	if (!out)
		error(NULL, "merge-calib needs an output file: -o OUT");
	a = arena_new();
	for (i = 0; i < nin; i++) {
		t = calibtable_read(in[i], a);
		if (!t)
			error(in[i], "no such calibration table");
		if (!acc)
			acc = t;
		else
			calibtable_merge(acc, t, in[i]);
	}
	calibtable_save(acc, out);
	arena_free(a);
	free(in);
	return 0;
}
