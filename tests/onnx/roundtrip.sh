#!/bin/sh
# roundtrip.sh — the ONNX round-trip acceptance check for one model.
#
#   sh tests/onnx/roundtrip.sh MODEL TMP
#
# MODEL is an .onnx file; TMP a scratch path prefix (lit's %t).  Inputs are
# MODEL's directory's test_data_set_0/input_K.pb when it has them (the ONNX
# node tests), else pseudo-random data from seed 0.  Checks, in order:
#   1. sqc -O0 --emit=onnx MODEL -o TMP.onnx succeeds
#   2. onnx.checker accepts TMP.onnx, shape inference included (full_check)
#   3. ONNX Runtime gives bit-identical outputs for MODEL and TMP.onnx
#   4. those equal test_data_set_0's expected outputs within the ONNX
#      backend tests' tolerance (where the data set exists)
#   5. the textual IR is a fixed point: --dump-ir=full of MODEL, read back
#      and dumped again, is byte-identical
#   6. the text form exported again (TMP.a.sqir -> TMP.2.onnx) still runs in
#      ONNX Runtime with MODEL's outputs, bit for bit
# Each step says what it does on stderr; the first failing one ends the
# script with a nonzero status, leaving its files for a look.  On success the
# scratch models and dumps are removed (the torchvision ones are large), the
# output directories stay.  SQC overrides the compiler's path (default ./sqc
# at the top of the tree).
set -eu

[ $# -eq 2 ] || { echo "usage: roundtrip.sh MODEL TMP" >&2; exit 2; }
model=$1
t=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
sqc=${SQC:-$top/sqc}
python=/usr/bin/python3
oracle() { node "$top/tests/oracle/run.js" "$@"; }
compare() { "$python" "$top/tests/oracle/compare.py" "$@" >&2; }

step() {
	echo "roundtrip: $*" >&2
}

data=$(dirname "$model")/test_data_set_0
if [ -f "$data/input_0.pb" ]; then
	inflag=--inputs-from inval=$data
else
	data=
	inflag=--random inval=0
fi
rm -rf "$t".onnx "$t".2.onnx "$t".a.sqir "$t".b.sqir "$t".ref "$t".out "$t".out2

step "1. export: sqc -O0 --emit=onnx $model"
"$sqc" -O0 --emit=onnx "$model" -o "$t.onnx"

step "2. onnx.checker (full_check: with shape inference) on the export"
"$python" -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)' "$t.onnx"

step "3. ONNX Runtime: original and export bit-identical"
oracle "$model" "$inflag" "$inval" --out "$t.ref"
oracle "$t.onnx" "$inflag" "$inval" --out "$t.out"
compare --bitexact "$t.ref" "$t.out"

if [ -n "$data" ]; then
	step "4. export against test_data_set_0's expected outputs"
	compare "$t.out" "$data"
fi

step "5. text round trip: --dump-ir=full is a fixed point"
"$sqc" --dump-ir=full "$model" > "$t.a.sqir"
"$sqc" --dump-ir=full "$t.a.sqir" > "$t.b.sqir"
cmp "$t.a.sqir" "$t.b.sqir"

step "6. text form exported to ONNX still runs with the original's outputs"
"$sqc" -O0 --emit=onnx "$t.a.sqir" -o "$t.2.onnx"
oracle "$t.2.onnx" "$inflag" "$inval" --out "$t.out2"
compare --bitexact "$t.ref" "$t.out2"

# Passed: drop the models and dumps (280 MB for resnet18), keep the outputs.
rm -f "$t".onnx "$t".2.onnx "$t".a.sqir "$t".b.sqir
step "ok"
