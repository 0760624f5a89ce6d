#!/bin/sh
# model.sh — the [3/5] acceptance check for one model and mode:
#
#   sh tests/onnx/quant/model.sh MODEL CALIB INPUT.npy MODE TMP [FLAG...]
#
# quantizes MODEL for --target=ort (-O1, calibration on CALIB, the table
# cached in TMP.tab), writes the textual IR and the ONNX model, checks the
# ONNX model with onnx.checker (full_check), runs it in ONNX Runtime and the
# IR with `sqc run` on INPUT.npy, and requires bit-identical outputs.
# FLAGs go to the quantizing sqc (e.g. --input-shape); LEVEL=-O2 quantizes
# with -O2 (the tune pass's choices) instead of -O1.
set -eu
[ $# -ge 5 ] || { echo "usage: model.sh MODEL CALIB INPUT.npy MODE TMP [FLAG...]" >&2; exit 2; }
model=$1 calib=$2 x=$3 mode=$4 t=$5
shift 5
top=$(cd "$(dirname "$0")/../../.." && pwd)
sqc=${SQC:-$top/sqc}
python=/usr/bin/python3
"$sqc" "${LEVEL:--O1}" --target=ort --mode="$mode" "$model" --calib="$calib" \
	--calib-table="$t.tab" --emit=ir -o "$t.$mode.sqir" "$@"
"$sqc" -O0 "$t.$mode.sqir" -o "$t.$mode.onnx"
$python -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$t.$mode.onnx"
name=$($python -c "import onnx, sys; print(onnx.load(sys.argv[1]).graph.input[0].name)" "$t.$mode.onnx")
$python -c "import sys, numpy; from onnx import numpy_helper as h; open(sys.argv[2], 'wb').write(h.from_array(numpy.load(sys.argv[1]), sys.argv[3]).SerializeToString())" "$x" "$t.x.pb" "$name"
"$sqc" run "$t.$mode.sqir" --input "$name=$x" -o "$t.$mode.sqc"
node "$top/tests/oracle/run.js" "$t.$mode.onnx" --input "$name=$t.x.pb" --out "$t.$mode.ort"
$python "$top/tests/oracle/compare.py" "$t.$mode.sqc" "$t.$mode.ort" --bitexact
