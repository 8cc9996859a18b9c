#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# The gdb commands of lib/korutin-gdb.py: `koro list` shows every coroutine
# of a scheduler whose coroutines are blocked in each kind of wait, and
# `koro bt` prints a suspended coroutine's backtrace from its saved
# context (asm backend on x86-64) and leaves the program able to go on.
srcdir=${srcdir:-.}
prog=${top_builddir:-.}/tests/gdb-demo
script=$srcdir/lib/korutin-gdb.py
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed"; exit 77; }
[ "${KORO_RUNNER_OK:-yes}" = yes ] && [ -z "${TEST_WRAPPER:-}" ] ||
    { echo "SKIP: test programs run through '${TEST_WRAPPER:-a runner}' (cross build or Valgrind); gdb runs plain native programs only"; exit 77; }
[ -x "$prog" ] || { echo "SKIP: $prog not built"; exit 77; }
gdb -nx -q -batch -ex 'python import gdb' >/dev/null 2>&1 ||
    { echo "SKIP: this gdb has no Python support"; exit 77; }
# LeakSanitizer cannot run under ptrace and fails the program at exit;
# the leak check belongs to the runs without gdb.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
# The sjlj backend raises SIGUSR2 in koro_init(); gdb stops on it by default.
out=$(gdb -nx -q -batch -ex 'handle SIGUSR2 nostop noprint pass' \
      -ex "source $script" -ex 'break koro_gdb_stop_here' -ex run \
      -ex 'koro list' -ex 'koro bt receiver' -ex 'bt' -ex 'koro bt holder' \
      -ex continue "$prog" 2>&1)
echo "$out"
if echo "$out" | grep -q "koro: type '.*' not found"; then
    echo "SKIP: libkorutin has no debug info (CFLAGS without -g)"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
has() { echo "$out" | grep -Eq "$1"; }
has 'running chain' || fail "no listing"
has '^  0x[0-9a-f]+ +stopper +running +chain ' || fail "the running coroutine is not in the chain"
has 'scheduler 0x[0-9a-f]+ \(running\), 8 live' || fail "the scheduler is not listed"
has ' yielder +suspended runnable ' || fail "the runnable coroutine is missing"
has ' receiver +suspended blocked .*receive from channel 0x' || fail "the channel receiver is missing"
has ' sleeper +suspended blocked .*sleep until ' || fail "the sleeper is missing"
has ' holder +suspended blocked .*receive from channel 0x' || fail "the mutex holder is missing"
has ' locker +suspended blocked .*lock of mutex 0x[0-9a-f]+ held by 0x[0-9a-f]+ \(holder\)' || fail "the mutex waiter is missing"
has ' waiter +suspended blocked .*condition variable 0x' || fail "the condition waiter is missing"
has ' grouper +suspended blocked .*wait group 0x[0-9a-f]+ \(count 1\)' || fail "the wait-group waiter is missing"
has '^ok$' || fail "the program did not finish normally after the commands"
case $(echo "$out" | sed -n 's/^backend: //p') in
"asm x86_64-sysv"*)
    has 'coroutine 0x[0-9a-f]+ \(receiver\), suspended' || fail "koro bt printed no header"
    has 'in receive_deep .*gdb-demo.c' || fail "koro bt: the coroutine's own frames are missing"
    [ "$(echo "$out" | grep -c 'in receive_deep')" -ge 3 ] || fail "koro bt: frames of the recursion missing"
    has 'in holder .*gdb-demo.c' || fail "koro bt holder: frames missing"
    # After koro bt the thread's own backtrace is intact.
    has '^#1 .* in stopper ' || fail "bt after koro bt is not the running coroutine's"
    echo "PASS: koro list and koro bt" ;;
*)
    has 'koro bt: cannot read a saved context' || fail "koro bt did not say it cannot"
    echo "PASS: koro list; koro bt refuses under this backend, as documented" ;;
esac
