/*
 * outfile.h — output files that appear whole or not at all.
 *
 * outfile_open(path) creates a temporary file in path's directory and returns
 * it open for writing; outfile_commit() flushes, closes and renames it onto
 * path.  If the process exits before the commit (error(), a signal such as
 * SIGINT or SIGTERM), the temporary is removed and an existing file at path is
 * left untouched.  One output file at a time; "-" means standard output.
 */
#ifndef SQC_OUTFILE_H
#define SQC_OUTFILE_H

#include <stdio.h>

FILE *outfile_open(const char *path);
void outfile_commit(void);

#endif
