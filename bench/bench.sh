#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# bench.sh BUILDDIR BACKEND...  - the tables of `make bench` (doc/performance.md).
#
# Runs bench/korobench-BACKEND -m for every backend built in BUILDDIR (the
# convenience libraries) and bench/korobench -m -r (the installed-style
# shared library of the selected backend, plus the glibc swapcontext and
# Boost.Context references measured in the same run), and once more with -g
# (every implementation on guarded stacks from koro_stack_alloc(), on
# which libkorutin skips the canary by itself; those columns are named
# NAME+guard), then prints one markdown table: round trips (resume +
# yield) per second.
# KORO_BENCH_ARGS adds korobench options (e.g. "-s 7 -t 0.3").
set -eu
b=$1
shift
tmp=${TMPDIR:-/tmp}/korobench.$$
trap 'rm -f "$tmp".*' EXIT
args=${KORO_BENCH_ARGS:-}
run() { "$b/libtool" --mode=execute "$@"; }

echo "libkorutin benchmark: $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')" >&2
# Coroutine backends: 1024 and 16384 coroutines on 16 KiB and 1 KiB stacks.
# The selected backend through the shared library is "libkorutin.so".
run "$b/bench/korobench" -m -r -f $args |
    sed 's/^rt \([a-z0-9]*\)\(+fpshare\)* \([0-9]* [0-9]* \)/rt \1.so\2 \3/; s/^rt \(swapcontext\|boost\)\.so /rt \1 /' >"$tmp.0main"
# The same with guarded stacks; swapcontext is left out of this table.
run "$b/bench/korobench" -m -r -g $args |
    sed -n 's/^rt boost /rt boost+guard /p; s/^rt \([a-z0-9]*\) \([0-9]* [0-9]* \)/rt \1.so+guard \2/p' |
    grep -v '^rt swapcontext' >"$tmp.1guard" || :
for be in "$@"; do
    case $be in
    threads | win32) run "$b/bench/korobench-$be" -m -p -n 32,64,128 -k 64 $args >"$tmp.$be" ;;
    *) run "$b/bench/korobench-$be" -m $args >"$tmp.$be" ;;
    esac
done
sel=$(sed -n 's/^backend \([^ ]*\).*/\1/p' "$tmp.0main")
cat "$tmp".* | awk -v sel="$sel" '
$1 == "rt" { key = $3 " " $4; rate[$2, key] = $5; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
             if (!($2 in iseen)) { iseen[$2] = 1; impls[++ni] = $2 } }
function fmt(r) { return r > 0 ? sprintf("%.1f M", r / 1e6) : "n/a" }
END {
    # Coroutine table: rows with a stack size, columns per implementation.
    printf "| coroutines | stack |"
    for (i = 1; i <= ni; i++) if (impls[i] != "threads" && impls[i] != "win32" && impls[i] != "semaphore-pingpong") printf " %s |", impls[i]
    fp = sel ".so+fpshare"; gd = sel ".so+guard"
    printf " %s.so / Boost | %s / Boost | %s / boost+guard |\n|---:|---:|", sel, fp, gd
    for (i = 1; i <= ni; i++) if (impls[i] != "threads" && impls[i] != "win32" && impls[i] != "semaphore-pingpong") printf "---:|"
    printf "---:|---:|---:|\n"
    for (k = 1; k <= nk; k++) {
        split(keys[k], f, " ")
        if (f[1] < 1024) continue
        printf "| %d | %d KiB |", f[1], f[2] / 1024
        for (i = 1; i <= ni; i++) if (impls[i] != "threads" && impls[i] != "win32" && impls[i] != "semaphore-pingpong") printf " %s |", fmt(rate[impls[i], keys[k]])
        r = rate[sel ".so", keys[k]]; q = rate["boost", keys[k]]; g = rate[fp, keys[k]]
        x = rate[gd, keys[k]]; y = rate["boost+guard", keys[k]]
        printf " %s | %s | %s |\n", (r > 0 && q > 0) ? sprintf("%.2fx", r / q) : "n/a", (g > 0 && q > 0) ? sprintf("%.2fx", g / q) : "n/a", (x > 0 && y > 0) ? sprintf("%.2fx", x / y) : "n/a"
    }
    # The threads table: each row has its own reference, sampled
    # alternately with that row (korobench -p).
    hdr = 0
    for (k = 1; k <= nk; k++) {
        split(keys[k], f, " ")
        for (i = 1; i <= ni; i++) {
            if (impls[i] != "threads" && impls[i] != "win32") continue
            r = rate[impls[i], keys[k]]
            if (r <= 0) continue
            sem = rate["semaphore-pingpong", keys[k]]
            if (!hdr) { printf "\n| coroutines | %s backend | semaphore ping-pong | ratio |\n|---:|---:|---:|---:|\n", impls[i]; hdr = 1 }
            printf "| %d | %.0f k | %.0f k | %s |\n", f[1], r / 1e3, sem / 1e3, (sem > 0 ? sprintf("%.2fx", r / sem) : "n/a")
        }
    }
}'
