#!/bin/sh
# emitc.sh MODEL CALIB TMP X.npy... [-- SQC FLAGS]: compiles MODEL to
# textual IR (TMP/m.sqir) and that module to C (TMP/model.c, model.h), builds
# the C with the test driver (cc -std=c99 -Wall -Wextra -pedantic -Werror
# -O2 $CFLAGS; $CC overrides cc), and on each X.npy compares the C's output
# with `sqc run` of the IR: one line per input from same.py.
#   CALIB   a calibration dataset: MODEL compiled at -O2 with it (table in
#           TMP/calib.tab), the C generated from the IR that `sqc run` runs
#           (one module: -O2's data-driven passes run once); '-': the
#           module is compiled as it is (a .sqir already in its -O2 form)
#   $IN     the graph input's name (default: input)
#   $DRIVERFLAGS  passed to the driver (--int8, --twice)
# When $SQC is a sanitized build (build-san/sqc, `make check SANITIZE=1`) the
# C is built with the same sanitizers against that build's libsqcrt.a, so
# the generated code runs under ASan + UBSan too.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
sqc=${SQC:-$top/sqc}
cc=${CC:-cc}
lib=$top/build/libsqcrt.a
san=
case $sqc in
*/build-san/sqc)
	lib=$(dirname "$sqc")/libsqcrt.a
	san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	;;
esac
model=$1 calib=$2 t=$3
shift 3
xs=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do xs="$xs $1"; shift; done
[ $# -gt 0 ] && shift
rm -rf "$t" && mkdir -p "$t"
if [ "$calib" = - ]; then
	"$sqc" "$model" "$@" --emit=ir -o "$t/m.sqir"
	"$sqc" "$model" "$@" --emit=c -o "$t/model.c"
else
	"$sqc" -O2 "$model" "$@" --calib="$calib" --calib-table="$t/calib.tab" --emit=ir -o "$t/m.sqir"
	"$sqc" "$t/m.sqir" --emit=c -o "$t/model.c"
fi
$cc -std=c99 -Wall -Wextra -pedantic -Werror -O2 $san ${CFLAGS:-} -I"$top/runtime" -I"$t" \
    "$t/model.c" "$top/tests/c/Inputs/driver.c" "$lib" -lm -o "$t/run"
k=0
for x in $xs; do
	"$sqc" run "$t/m.sqir" --input "${IN:-input}=$x" -o "$t/o$k"
	"$t/run" ${DRIVERFLAGS:-} "$x" "$t/c$k.bin"
	/usr/bin/python3 "$top/tests/c/Inputs/same.py" "$t/o$k/output_0.npy" "$t/c$k.bin"
	k=$((k + 1))
done
