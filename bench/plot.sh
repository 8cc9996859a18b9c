#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# plot.sh BUILDDIR OUT.svg BACKEND...  - `make bench-plot`.
#
# Round trips (resume + yield) per second against the number of coroutines,
# 1 to 1 000 000 on a log scale, one line per built backend, drawn with
# gnuplot into OUT.svg.  Stacks are max(koro_stack_min(), 1 KiB); a point
# whose stacks would need more than 2 GiB, or more than 2000 OS threads
# (threads, win32), is left out.
set -eu
b=$1 out=$2
shift 2
tmp=${TMPDIR:-/tmp}/koroplot.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
for be in "$@"; do
    prog=$b/bench/korobench-$be
    [ -x "$prog" ] || continue
    for n in 1 10 100 1000 10000 100000 1000000; do
        case $be in threads | win32) [ "$n" -le 2000 ] || continue ;; esac
        for k in 1 4 8 64; do
            [ $((n * k)) -le 2097152 ] || continue 2
            line=$("$b/libtool" --mode=execute "$prog" -m -n "$n" -k "$k" -s 3 -t 0.05 |
                   awk '$1 == "rt" && $5 > 0 { print $3, $5 }')
            if [ -n "$line" ]; then echo "$line" >>"$tmp/$be.dat"; break; fi
        done
    done
done
plots=
for f in "$tmp"/*.dat; do
    [ -f "$f" ] || continue
    be=$(basename "$f" .dat)
    plots="$plots${plots:+, }'$f' using 1:2 with linespoints title '$be'"
done
[ -n "$plots" ] || { echo "plot.sh: nothing measured" >&2; exit 1; }
${GNUPLOT:-gnuplot} <<GP
set terminal svg size 800,480 dynamic font 'sans,12'
set output '$out'
set title 'libkorutin: round trips (resume + yield) per second'
set xlabel 'coroutines'
set ylabel 'round trips / s'
set logscale xy
set grid
set key outside right
plot $plots
GP
echo "plot.sh: wrote $out"
