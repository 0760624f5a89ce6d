/* run.h — the driver's subcommands: sqc run (run.c) */
#ifndef SQC_RUN_H
#define SQC_RUN_H

int run_main(int argc, char **argv);

#endif
