#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# echobench.sh BUILDDIR [SECONDS [ROUNDS]] - echo ping-pong of 64-byte messages at
# 1, 64 and 1024 connections against the libkorutin server, the
# edge-triggered epoll server and (where `go` is installed) a Go server
# with GOMAXPROCS=1; each server on one OS thread, the load generator in
# another process.  Prints messages per second (the best of ROUNDS runs
# of SECONDS each, default 3 of 1 s) and the ratios.
top=${1:-.}
secs=${2:-1}
rounds=${3:-3}
srcdir=$(cd "$(dirname "$0")" && pwd)
prog=$top/bench/echobench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
counts="1 64 1024"

# start NAME CMD...: run a server, wait for its port; sets pid and port.
start() {
    name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    port=
    for i in $(seq 100); do
        port=$(sed -n 's/^port //p' "$tmp/$name.out")
        test -n "$port" && return 0
        sleep 0.1
    done
    echo "$name: no port (see below)"; cat "$tmp/$name.err"
    kill "$pid"
    return 1
}

servers=
run_server() {
    name=$1
    shift
    start "$name" "$@" || return
    eval "port_$name=$port pid_$name=$pid"
    servers="$servers $name"
}

run_server koro "$prog" server-koro
run_server epoll "$prog" server-epoll
if command -v go >/dev/null 2>&1 &&
    (cd "$tmp" && cp "$srcdir/echo-server.go" . &&
        GOCACHE=$tmp/cache GO111MODULE=off go build -o echo-go echo-server.go) \
        >"$tmp/go-build.log" 2>&1; then
    GOMAXPROCS=1 run_server go "$tmp/echo-go"
    havego=1
else
    echo "Go reference skipped: \`go' is missing or could not build (apt-get install golang-go)"
    havego=
fi

# CPU time of process $1 so far, in clock ticks (all its threads).
ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# The servers take turns, round after round, so that a change in the
# machine's load falls on all of them; each keeps its best rate.  The
# server's CPU time per message depends less on that load: each keeps its
# lowest.
for round in $(seq "$rounds"); do
    for c in $counts; do
        for name in $servers; do
            eval "port=\$port_$name pid=\$pid_$name"
            t0=$(ticks "$pid")
            out=$("$prog" client "$port" "$c" "$secs") || out="0 0"
            t1=$(ticks "$pid")
            set -- $out
            best=$(cat "$tmp/$name.$c" 2>/dev/null || echo 0)
            awk -v r="$1" -v b="$best" 'BEGIN { exit !(r > b) }' &&
                echo "$1" >"$tmp/$name.$c"
            us=$(awk -v d="$((t1 - t0))" -v n="$2" -v hz="$hz" \
                'BEGIN { printf "%.2f", (n > 0 ? d * 1e6 / hz / n : 0) }')
            low=$(cat "$tmp/$name.$c.cpu" 2>/dev/null || echo 1e99)
            awk -v u="$us" -v l="$low" 'BEGIN { exit !(u > 0 && u < l) }' &&
                echo "$us" >"$tmp/$name.$c.cpu"
        done
    done
done
for name in $servers; do
    eval "kill \$pid_$name"
done
wait 2>/dev/null

printf '%-6s %12s %12s %12s %10s %10s\n' conns libkorutin epoll-ET "Go(1 proc)" koro/epoll koro/Go
for c in $counts; do
    k=$(cat "$tmp/koro.$c" 2>/dev/null || echo 0)
    e=$(cat "$tmp/epoll.$c" 2>/dev/null || echo 0)
    if test -n "$havego"; then g=$(cat "$tmp/go.$c" 2>/dev/null || echo 0); else g=-; fi
    awk -v c="$c" -v k="$k" -v e="$e" -v g="$g" 'BEGIN {
        re = e > 0 ? sprintf("%.2fx", k / e) : "-";
        rg = (g != "-" && g > 0) ? sprintf("%.2fx", k / g) : "-";
        printf "%-6s %12.0f %12.0f %12s %10s %10s\n", c, k, e, g, re, rg }'
done
echo "(messages per second, best of $rounds runs of $secs s; ratios: libkorutin over the reference)"
echo
printf '%-6s %12s %12s %12s %10s %10s\n' conns libkorutin epoll-ET "Go(1 proc)" epoll/koro Go/koro
for c in $counts; do
    k=$(cat "$tmp/koro.$c.cpu" 2>/dev/null || echo 0)
    e=$(cat "$tmp/epoll.$c.cpu" 2>/dev/null || echo 0)
    if test -n "$havego"; then g=$(cat "$tmp/go.$c.cpu" 2>/dev/null || echo 0); else g=-; fi
    awk -v c="$c" -v k="$k" -v e="$e" -v g="$g" 'BEGIN {
        re = k > 0 ? sprintf("%.2fx", e / k) : "-";
        rg = (g != "-" && k > 0) ? sprintf("%.2fx", g / k) : "-";
        printf "%-6s %12.2f %12.2f %12s %10s %10s\n", c, k, e, g, re, rg }'
done
echo "(server CPU microseconds per message, lowest of $rounds runs; ratios: the reference's cost over libkorutin's, higher is better for libkorutin)"
