#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# Overflows under the emscripten backend end the program with a
# diagnostic (see tests/em-trap.c): run each case through the runner and
# check its exit status and message.
prog=${top_builddir:-.}/tests/em-trap
if [ "${KORO_RUNNER_OK:-yes}" != yes ]; then
    echo "SKIP: ${KORO_RUNNER_WHY:-test programs cannot run here}"
    exit 77
fi
[ -f "$prog" ] || { echo "SKIP: $prog not built"; exit 77; }
run() {
    out=$(timeout 300 $TEST_WRAPPER "$prog" "$1" 2>&1)
    rc=$?
}
status=0
run ok
if [ $rc -ne 0 ]; then
    echo "FAIL: ok: exit $rc"; echo "$out" | head -n 5; status=1
else
    echo "PASS: $out"
fi
# case  pattern the diagnostic must contain
for c in "canary:stack overflow in coroutine" "root:unreachable" \
         "deep:stack overflow|unreachable"; do
    name=${c%%:*} want=${c#*:}
    run "$name"
    if [ $rc -eq 0 ] || echo "$out" | grep -q '^survived'; then
        echo "FAIL: $name: the program went on (exit $rc)"; status=1
    elif ! echo "$out" | grep -Eq "$want"; then
        echo "FAIL: $name: exit $rc without '$want':"
        echo "$out" | grep -v '^var Module' | head -n 5; status=1
    else
        echo "PASS: $name: exit $rc, $(echo "$out" | grep -Eo "$want" | head -n 1)"
    fi
done
exit $status
