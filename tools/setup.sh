#!/bin/sh
# tools/setup.sh — install everything sqc builds and tests with; idempotent.
#
# Contract: after it exits 0, `make` and `make check` have every tool they need:
#   build   protoc-c + libprotobuf-c (ONNX reader/writer), libonnx-dev (onnx.proto),
#           re2c + lemon (textual IR), libcriterion-dev (unit tests), zlib
#           (.npz), libjpeg-turbo + libpng (image datasets)
#   tests   llvm-14-tools (lit, FileCheck, not), Debian's python3 with onnx,
#           numpy, torch, torchvision, Pillow (fixtures), scikit-learn (the digits
#           example's data, examples/digits/train.py), libonnx-testdata (node tests),
#           onnxruntime-node@1.30.0 from npm in tests/oracle (the oracle)
#           and the torchvision fixture models in tests/models/cache.
#   fuzz    clang-14 with its libFuzzer/sanitizer runtime (make fuzz)
# Each step is skipped when its result is already present, so `make` can call
# it cheaply.  Debian's npm conflicts with the preinstalled Node.js, so nodejs
# and npm are installed from Debian only where `node` is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

debs="protobuf-c-compiler libprotobuf-c-dev libonnx-dev re2c lemon libcriterion-dev
llvm-14-tools python3-onnx python3-numpy libonnx-testdata python3-torch python3-torchvision
zlib1g-dev libjpeg-dev libpng-dev python3-pil python3-sklearn clang-14 libclang-rt-14-dev
graphviz"
missing=
for p in $debs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The oracle: ONNX Runtime's CPU library, shipped inside the npm package.  Its
# install script would fetch GPU binaries from an unreachable host, so it is skipped.
if [ ! -f "$top/tests/oracle/node_modules/onnxruntime-node/package.json" ]; then
	echo "setup: installing onnxruntime-node into tests/oracle"
	(cd "$top/tests/oracle" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# Real architectures for the round-trip tests and benchmarks (random weights, seed 0).
if [ ! -f "$top/tests/models/cache/.done" ]; then
	echo "setup: exporting torchvision fixture models to tests/models/cache"
	/usr/bin/python3 "$top/tests/models/make.py" "$top/tests/models/cache"
fi
