#!/bin/sh
# run.sh — drive sqc over the reader fixtures (lit's internal shell has no
# loops).
#
#   sh run.sh errors SQC DIR   each broken fixture must fail cleanly: exit 1,
#                              one line on stderr, no output file.  Prints
#                              "KIND:" then that line, for FileCheck.
#   sh run.sh imports SQC DIR  each good fixture must import and re-export
#                              with the same tensors and attributes
#                              (fixture.py check).
# DIR is a scratch directory; each fixture gets its own subdirectory because
# the external-data kinds write weights.bin next to the model.
set -u
[ $# -eq 3 ] || { echo "usage: run.sh errors|imports SQC DIR" >&2; exit 2; }
mode=$1 sqc=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
errors="ext_absolute ext_dotdot ext_past_end ext_too_long ext_missing ext_size
typed_size negdim rank9 bad_dtype seq_input twice out_undef dup_init no_graph
deep bad_attr"
imports="alltypes attrs external unsorted"

rm -rf "$dir" && mkdir -p "$dir" || exit 1
case $mode in
errors)
	for k in $errors; do
		mkdir "$dir/$k" && $python "$here/fixture.py" $k "$dir/$k/m.onnx" || exit 1
		"$sqc" "$dir/$k/m.onnx" --emit=onnx -o "$dir/$k/out.onnx" 2>"$dir/$k.err"
		rc=$?
		lines=$(wc -l <"$dir/$k.err")
		if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || [ -e "$dir/$k/out.onnx" ]; then
			echo "run.sh: $k: exit $rc, $lines lines on stderr:" >&2
			cat "$dir/$k.err" >&2
			exit 1
		fi
		echo "$k:"
		cat "$dir/$k.err"
	done
	;;
imports)
	for k in $imports; do
		mkdir "$dir/$k" && $python "$here/fixture.py" $k "$dir/$k/m.onnx" || exit 1
		"$sqc" "$dir/$k/m.onnx" --emit=onnx -o "$dir/$k/out.onnx" || {
			echo "run.sh: $k: sqc failed" >&2; exit 1; }
		$python "$here/fixture.py" check "$dir/$k/m.onnx" "$dir/$k/out.onnx" || exit 1
		echo "$k: ok"
	done
	;;
*)
	echo "run.sh: unknown mode '$mode'" >&2
	exit 2
	;;
esac
