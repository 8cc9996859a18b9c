#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# The core calls nothing above it: tests/core-only, which uses only
# koro_init/koro_resume/koro_yield and links the library's archive,
# contains no scheduler, channel or overflow-handler code, and at most
# 128 bytes of thread-local storage.
prog=${top_builddir:-.}/tests/core-only
nm=${KORO_NM:-nm}
readelf=${KORO_READELF:-readelf}
for p in "$prog" "$prog.exe"; do
    if test -f "$p"; then prog=$p; break; fi
done
if ! test -f "$prog"; then
    echo "SKIP: $prog was not built"
    exit 77
fi
syms=$($nm "$prog" 2>/dev/null | awk '{ print $NF }')
if test -z "$syms"; then
    echo "SKIP: $nm cannot list the symbols of $prog (stripped, or not an object file)"
    exit 77
fi
if ! printf '%s\n' "$syms" | grep -Eq '^_?koro_resume$'; then
    echo "SKIP: $prog does not list koro_resume (not linked statically?)"
    exit 77
fi
bad=
for s in koro_sched_run koro_sched_init koro_chan_send koro_select \
         koro_overflow_handler_install koro_stack_alloc koro__sched_forget; do
    if printf '%s\n' "$syms" | grep -Eq "^_?$s\$"; then bad="$bad $s"; fi
done
if test -n "$bad"; then
    echo "FAIL: a core-only program contains:$bad"
    exit 1
fi
tls=
if command -v "$readelf" >/dev/null 2>&1; then
    memsz=$("$readelf" -lW "$prog" 2>/dev/null | awk '$1 == "TLS" { print $6 }')
    if test -n "$memsz"; then
        n=$(printf '%d' "$memsz")
        if test "$n" -gt 128; then
            echo "FAIL: a core-only program has $n bytes of TLS (more than 128)"
            exit 1
        fi
        tls=", $n bytes of TLS"
    fi
fi
echo "PASS: no scheduler, channel or guard code in a core-only program$tls"
