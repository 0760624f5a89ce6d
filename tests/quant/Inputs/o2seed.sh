#!/bin/sh
# o2seed.sh MODEL CALIB TMP [SQC FLAGS]: --report of -O1 (the seed's
# settings) and of -O2 on the same calibration samples, compared by
# sqnrcmp.py (one line per graph output).
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
sqc=${SQC:-$top/sqc}
model=$1 calib=$2 t=$3
shift 3
"$sqc" -O1 "$model" "$@" --calib="$calib" --calib-table="$t.tab" --report > "$t.seed.txt"
"$sqc" -O2 "$model" "$@" --calib="$calib" --calib-table="$t.tab" --report > "$t.o2.txt"
/usr/bin/python3 "$top/tests/quant/Inputs/sqnrcmp.py" "$t.seed.txt" "$t.o2.txt"
