#!/bin/sh
# exit1.sh — run a command that must fail cleanly.
#
#   sh tests/bad/exit1.sh ERRFILE CMD [ARG ...]
#
# Runs CMD with its standard error in ERRFILE and succeeds only if CMD exits
# with status 1 (a user error), not 0, not another status, not a signal.
# The bad-input tests then FileCheck ERRFILE and count its lines.
[ $# -ge 2 ] || { echo "usage: exit1.sh ERRFILE CMD [ARG ...]" >&2; exit 2; }
err=$1
shift
"$@" 2>"$err"
rc=$?
if [ $rc -ne 1 ]; then
	echo "exit1.sh: '$*' exited with status $rc, expected 1; its stderr:" >&2
	cat "$err" >&2
	exit 1
fi
