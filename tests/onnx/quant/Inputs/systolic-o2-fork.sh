#!/bin/sh
# systolic-o2-fork.sh SQIR ONNX TMP NAME=X.npy... [-- FORKREF FLAGS]: runs the
# module SQIR with `sqc run` and its written ONNX with forkref.py (the fork's
# arithmetic in NumPy) on each input set, and prints compare.py's bit-exact
# verdict per set.  An input set is one or more NAME=FILE joined by ','.
set -eu
top=$(cd "$(dirname "$0")/../../../.." && pwd)
sqc=${SQC:-$top/sqc}
sqir=$1 onnx=$2 t=$3
shift 3
sets=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sets="$sets $1"; shift; done
[ $# -gt 0 ] && shift
k=0
for s in $sets; do
	rm -rf "$t.sqc.$k" "$t.fork.$k"
	sargs= fargs=
	for b in $(echo "$s" | tr ',' ' '); do
		sargs="$sargs --input $b"
	done
	"$sqc" run "$sqir" $sargs -o "$t.sqc.$k"
	/usr/bin/python3 "$top/tests/onnx/quant/Inputs/forkref.py" "$onnx" $sargs -o "$t.fork.$k" "$@"
	/usr/bin/python3 "$top/tests/oracle/compare.py" "$t.sqc.$k" "$t.fork.$k" --bitexact | tail -1
	k=$((k + 1))
done
