# lit.cfg.py — lit configuration for every lit test under tests/.
#
#   /usr/bin/python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv tests
#
# Tests are the files ending in .sqir or .test (RUN lines, FileCheck).  The
# directories unit/ (Criterion), models/ (fixture builder and cache) and
# oracle/ (ONNX Runtime) hold no lit tests, and a directory named Inputs
# anywhere holds data that tests read, not tests.
#
# Substitutions, applied before lit's own (%s, %t, ...):
#   %sqc       the compiler: $SQC when set (`make check SANITIZE=1` sets it to
#              build-san/sqc), else ./sqc at the top of the tree (absolute path)
#   %python    Debian's python3, the one with onnx and numpy
#   %oracle    node tests/oracle/run.js: run a model in ONNX Runtime
#   %compare   tests/oracle/compare.py: compare two output directories
#   %roundtrip tests/onnx/roundtrip.sh MODEL TMP, run with this %sqc
#   %testdata  the ONNX node tests (model.onnx + test_data_set_0 each)
#   %models    tests/models/cache, made by tests/models/make.py
# Features: "models" when the model cache is complete (its .done exists);
# tests that read %models say REQUIRES: models.
# PATH starts with LLVM 14's tools (FileCheck, not, count).  Scratch files
# (%t) go under lit/ in the compiler's build directory (build-san/lit for
# build-san/sqc; build/lit for ./sqc or a compiler outside the tree), not
# into the source tree.  The sanitizer options (ASAN_OPTIONS, UBSAN_OPTIONS)
# reach the tests through lit's own pass-through list.

import os

import lit.formats

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
python = '/usr/bin/python3'
models = os.path.join(top, 'tests', 'models', 'cache')
sqc = os.path.abspath(os.environ.get('SQC') or os.path.join(top, 'sqc'))
builddir = os.path.dirname(sqc)	# build-san for build-san/sqc
if builddir == top or not builddir.startswith(top + os.sep):
    builddir = os.path.join(top, 'build')

config.name = 'sqc'
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = ['.sqir', '.test']
config.excludes = ['unit', 'models', 'oracle', 'Inputs']
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = os.path.join(builddir, 'lit')

config.environment['PATH'] = os.pathsep.join(
    ['/usr/lib/llvm-14/bin', config.environment['PATH']])
for var in ['HOME']:	# node and torch look here for caches and settings
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions += [
    ('%sqc', sqc),
    ('%python', python),
    ('%oracle', 'node ' + os.path.join(top, 'tests', 'oracle', 'run.js')),
    ('%compare', python + ' ' + os.path.join(top, 'tests', 'oracle',
                                             'compare.py')),
    ('%roundtrip', 'env SQC=' + sqc + ' sh ' +
     os.path.join(top, 'tests', 'onnx', 'roundtrip.sh')),
    ('%testdata', '/usr/share/libonnx-testdata/data/node'),
    ('%models', models),
    # the seed's quantization and -O2's systolic back half, without tune's
    # measured choices: for tests of the back half itself
    ('%O2seed', '--passes=canonicalize,calibrate,quantize,propagate-quant,'
     'layout-legalize,relu-fuse,weight-pack'),
]

if os.path.exists(os.path.join(models, '.done')):
    config.available_features.add('models')
