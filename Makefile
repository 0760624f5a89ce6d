# sqc — plain Makefile, no recursion.  `make` builds ./sqc; `make check` runs
# every test suite and ends with one "N passed, N failed" line.
# Generated sources (protoc-c, re2c, lemon) go to build/gen and are never committed.
# `make check SANITIZE=1` builds everything again with ASan + UBSan into
# build-san/ (the compiler is build-san/sqc) and runs the same suites on it.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Wpedantic -Wno-unused-parameter
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -I$B/gen -I.
LDLIBS  = -lprotobuf-c -lz -ljpeg -lpng -lm -lpthread
PYTHON  = /usr/bin/python3
ONNX_PROTO = /usr/include/onnx/onnx.proto
B = build
SQC = sqc

# --- SANITIZE=1: AddressSanitizer (with LeakSanitizer) + UndefinedBehavior-
# Sanitizer (plus float-cast-overflow, which GCC's "undefined" leaves out),
# every report fatal.  Objects, generated sources, unit tests, the compiler
# (build-san/sqc) and the tests' scratch files live in build-san/, so the two
# builds never share an object.  The check targets export SQC (what
# tests/lit.cfg.py's %sqc is) and the sanitizer options: each process stops
# at its first report.  ASan and LSan reports go to files in
# build-san/sanitizer/ under `make check`, which tests/run_all.py prints and
# counts as failures, so a report fails the run even in a process whose
# failure a test expected (`not %sqc ...`).  UBSan ignores log_path when
# linked with ASan, so its reports go to stderr and end in abort(): a signal,
# which `not` and the test scripts treat as a failure.  Leaks: none allowed,
# except after error() (ir/util.c, doc/decisions.md).
ifeq ($(SANITIZE),1)
B = build-san
SQC = $B/sqc
SANFLAGS = -fsanitize=address,undefined,float-cast-overflow \
           -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS  += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
ASAN_OPT  = abort_on_error=0:halt_on_error=1:detect_leaks=1
UBSAN_OPT = halt_on_error=1:abort_on_error=1:print_stacktrace=1
SANLOG    = $(CURDIR)/$B/sanitizer
SANENV    = SQC=$(CURDIR)/$(SQC) ASAN_OPTIONS=$(ASAN_OPT) UBSAN_OPTIONS=$(UBSAN_OPT)
SANLOGENV = SQC=$(CURDIR)/$(SQC) ASAN_OPTIONS=$(ASAN_OPT):log_path=$(SANLOG)/asan \
            UBSAN_OPTIONS=$(UBSAN_OPT)
SANCHECK  = --sanitizer-logs $(SANLOG)
sqc: $(SQC)
.PHONY: sqc
endif

# --- FUZZ=1 (set by `make fuzz`, which runs make once more with it): the
# libFuzzer build in build-fuzz/, clang-14 with ASan + UBSan and
# -DSQC_FUZZ (ir/util.c: error() longjmps back to the fuzz target instead of
# exiting).  The targets are fuzz/*.c; fuzz/run.sh runs them.
ifeq ($(FUZZ),1)
B = build-fuzz
CC = clang-14
FUZZFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
CFLAGS  += $(FUZZFLAGS) -fsanitize=fuzzer-no-link
CPPFLAGS += -DSQC_FUZZ
endif

IROBJ    = $B/ir/util.o $B/ir/outfile.o $B/ir/ir.o $B/ir/clone.o $B/ir/type.o $B/ir/use.o $B/ir/verify.o $B/ir/print.o \
           $B/ir/shape.o
FRONTOBJ = $B/frontend/onnx.o $B/frontend/textir.o $B/frontend/read.o \
           $B/frontend/inputshape.o $B/gen/lex.o $B/gen/parse.o $B/gen/onnx.pb-c.o \
           $B/frontend/tensorio.o $B/frontend/dataset.o $B/frontend/image.o \
           $B/frontend/tensorproto.o
PASSOBJ  = $B/passes/pipeline.o $B/passes/canonicalize.o $B/passes/calibrate.o \
           $B/passes/calibstats.o $B/passes/calibtable.o $B/passes/qparams.o \
           $B/passes/quantize.o $B/passes/propagatequant.o $B/passes/layoutlegalize.o \
           $B/passes/relufuse.o $B/passes/weightpack.o $B/passes/equalize.o \
           $B/passes/floatregions.o $B/passes/tune.o $B/passes/biascorrect.o \
           $B/passes/deadchannels.o
BACKOBJ  = $(patsubst %.c,$B/%.o,$(wildcard backend/*.c))
DRVOBJ   = $B/driver/main.o $B/driver/run.o $B/driver/mergecalib.o $B/driver/report.o
# runtime/ is the kernel library generated C links too (libsqcrt.a); exec/
# is the interpreter over it.  Both grow file by file, hence the wildcards.
RTOBJ    = $(patsubst %.c,$B/%.o,$(wildcard runtime/*.c))
EXECOBJ  = $(patsubst %.c,$B/%.o,$(wildcard exec/*.c))
OBJ      = $(IROBJ) $(FRONTOBJ) $(PASSOBJ) $(BACKOBJ) $(EXECOBJ) $(DRVOBJ) $B/libsqcrt.a
HDR      = ir/util.h ir/ir.h ir/ops.h frontend/frontend.h backend/backend.h \
           passes/passes.h ir/outfile.h frontend/textir.h exec/exec.h \
           passes/calibstats.h passes/calibtable.h passes/qparams.h passes/biascorrect.h \
           frontend/tensorio.h frontend/dataset.h frontend/datafile.h \
           frontend/tensorproto.h \
           $(wildcard runtime/*.h backend/*.h exec/*.h)

all: $(SQC)

$(SQC): $(OBJ)
	$(CC) $(LDFLAGS) -o $@.tmp $(OBJ) $(LDLIBS) && mv -f $@.tmp $@

$B/libsqcrt.a: $(RTOBJ)
	@mkdir -p $B
	rm -f $@ && ar rcs $@ $(RTOBJ)

# the kernels are written for the loop vectoriser, which -O2 runs only in its
# very-cheap mode (no loop that needs a remainder or an alias check)
$(RTOBJ): CFLAGS += -O3

$B/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$B/gen/%.o: $B/gen/%.c $(HDR)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-pedantic -Wno-unused-variable -Wno-sign-compare -c -o $@ $<

# objects that include generated headers
$B/frontend/onnx.o $B/backend/emitonnx.o $B/frontend/tensorio.o $B/frontend/tensorproto.o: $B/gen/onnx.pb-c.h
$B/frontend/textir.o $B/gen/lex.o: $B/gen/parse.h

# --- generated sources ---------------------------------------------------
$B/gen/onnx.pb-c.c $B/gen/onnx.pb-c.h: $(ONNX_PROTO) | $B/.setup
	@mkdir -p $B/gen
	protoc-c --c_out=$B/gen -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

# a pattern rule, so that make -j runs lemon once for both files; lemon
# leaves an unchanged parse.h alone, hence the touch
$B/gen/%.c $B/gen/%.h: frontend/%.y | $B/.setup
	@mkdir -p $B/gen
	cp $< $B/gen/$*.y
	cd $B/gen && lemon -q -T/usr/share/lemon/lempar.c $*.y && touch $*.h

# re2c -W -o build/gen/lex.c frontend/lex.re  (the first line of lex.re says the same)
$B/gen/lex.c: frontend/lex.re $B/gen/parse.h | $B/.setup
	@mkdir -p $B/gen
	re2c -W -o $@ frontend/lex.re

# --- setup: one idempotent script installs every build and test dependency
$B/.setup: tools/setup.sh
	sh tools/setup.sh
	@mkdir -p $B && touch $@

setup:
	sh tools/setup.sh

# --- tests ------------------------------------------------------------------
UNITSRC = $(wildcard tests/unit/test_*.c)
UNITBIN = $(UNITSRC:tests/unit/%.c=$B/tests/%)
LIBOBJ  = $(filter-out $B/driver/main.o,$(OBJ))

$B/tests/%: tests/unit/%.c $(LIBOBJ) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS) -lcriterion

LIT = $(PYTHON) /usr/lib/llvm-14/build/utils/lit/lit.py

check: $(SQC) $(UNITBIN) $B/.setup
	@$(SANLOGENV) $(PYTHON) tests/run_all.py $(SANCHECK) $(UNITBIN)

check-unit: $(UNITBIN)
	@for t in $(UNITBIN); do $(SANENV) $$t || exit 1; done

check-lit: $(SQC)
	$(SANENV) $(LIT) -sv tests

example: sqc $B/.setup
	sh examples/run.sh

# the seed's googlenet example: before/after pictures of its first blocks
# (examples/googlenet/out/*.png, not committed)
pictures: $(SQC) $B/.setup
	sh examples/googlenet/pictures.sh

clean:
	rm -rf $B $(SQC)

# lines longer than 80 columns in our own sources (QBE's `80`)
80:
	@grep -n '.\{81,\}' $$(git ls-files '*.c' '*.h' '*.re' '*.y') || true

.PHONY: all check check-unit check-lit clean setup example pictures 80

# --- fuzzing (not part of check; doc/fuzzing.md): `make fuzz FUZZ_SECONDS=N`
# builds one libFuzzer binary per input format into build-fuzz/fuzz/ and runs
# each for N seconds on a seed corpus from the test fixtures (fuzz/run.sh).
FUZZ_SECONDS ?= 60
FUZZTGT = onnx_read text_read tensor_read npz_read image_read calibtable_read
FUZZBIN = $(FUZZTGT:%=build-fuzz/fuzz/%)

ifeq ($(FUZZ),1)
$B/fuzz/%.o: fuzz/%.c fuzz/fuzz.h $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$B/fuzz/%: $B/fuzz/%.o $B/fuzz/common.o $(LIBOBJ)
	$(CC) $(LDFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer \
	    -Wl,--wrap=fopen,--wrap=fclose -o $@ $< $B/fuzz/common.o \
	    $(LIBOBJ) $(LDLIBS)

fuzz-build: $(FUZZBIN)
.SECONDARY: $(FUZZTGT:%=$B/fuzz/%.o) $B/fuzz/common.o
fuzz: fuzz-build
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZTGT)
else
fuzz-build fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 $@
endif
.PHONY: fuzz fuzz-build

# --- benchmarks (not part of check): import+export time and peak RSS,
# against ONNX Runtime loading the same models in the same run; then
# execution time (sqc run vs ONNX Runtime on one thread), accuracy against
# ONNX Runtime and calibration throughput
bench: sqc $B/.setup
	$(PYTHON) bench/import_export.py
	$(PYTHON) bench/run_vs_ort.py
	$(PYTHON) bench/quantize.py
	$(PYTHON) bench/emitc_vs_ort.py
.PHONY: bench
