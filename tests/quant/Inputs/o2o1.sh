#!/bin/sh
# o2o1.sh MODEL CALIB TMP X.npy... [-- SQC FLAGS]: the -O1 module and the
# same quantization put through -O2's back half (layout-legalize, relu-fuse,
# weight-pack; one calibration table) run by sqc run on each X.npy; prints
# compare.py's verdict per input.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
sqc=${SQC:-$top/sqc}
model=$1 calib=$2 t=$3
shift 3
xs=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do xs="$xs $1"; shift; done
[ $# -gt 0 ] && shift
"$sqc" -O1 "$model" "$@" --calib="$calib" --calib-table="$t.tab" --emit=ir -o "$t.o1.sqir"
"$sqc" --passes=canonicalize,calibrate,quantize,propagate-quant,layout-legalize,relu-fuse,weight-pack \
    "$model" "$@" --calib-table="$t.tab" --verify-each --emit=ir -o "$t.o2.sqir"
k=0
for x in $xs; do
	rm -rf "$t.o1.$k" "$t.o2.$k"
	"$sqc" run "$t.o1.sqir" --input "input=$x" -o "$t.o1.$k"
	"$sqc" run "$t.o2.sqir" --input "input=$x" -o "$t.o2.$k"
	/usr/bin/python3 "$top/tests/oracle/compare.py" "$t.o1.$k" "$t.o2.$k" --bitexact | tail -1
	k=$((k + 1))
done
