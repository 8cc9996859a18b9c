#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# A debugger's backtrace inside a coroutine shows the coroutine's frames
# and ends cleanly at the backend's start routine (the CFI marks the return
# address undefined there), instead of running into garbage.
prog=${top_builddir:-.}/tests/bt-demo
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed"; exit 77; }
[ "${KORO_RUNNER_OK:-yes}" = yes ] && [ -z "${TEST_WRAPPER:-}" ] ||
    { echo "SKIP: test programs run through '${TEST_WRAPPER:-a runner}' (cross build or Valgrind); gdb runs plain native programs only"; exit 77; }
[ -x "$prog" ] || { echo "SKIP: $prog not built"; exit 77; }
# The sjlj backend raises SIGUSR2 in koro_init(); gdb stops on it by default.
out=$(gdb -nx -q -batch -ex 'handle SIGUSR2 nostop noprint pass' \
      -ex 'break koro_bt_stop_here' -ex run -ex bt "$prog" 2>&1)
echo "$out"
echo "$out" | grep -q 'in descend' || { echo "FAIL: coroutine frames missing"; exit 1; }
echo "$out" | grep -q ' in body' || { echo "FAIL: the body's frame is missing"; exit 1; }
if echo "$out" | grep -Eq 'Backtrace stopped|corrupt stack|previous frame (identical|inner)'; then
    echo "FAIL: the backtrace does not end cleanly"; exit 1
fi
last=$(echo "$out" | grep '^#' | tail -n 1)
# Without debug info (CFLAGS lacking -g) gdb shows koro__x as koro.x.
case $last in
*koro__entry* | *koro__*start* | *koro.entry* | *koro.*start* | *start_thread* | *clone* | *makecontext* | *__start_context* | *body*)
    echo "PASS: backtrace ends at: $last" ;;
*) echo "FAIL: backtrace ends at an unexpected frame: $last"; exit 1 ;;
esac
