#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# The shared library exports the public koro_ functions and nothing else.
lib=${top_builddir:-.}/lib/.libs/libkorutin.so
if ! test -f "$lib"; then
    echo "SKIP: no ELF shared library at $lib (static-only or non-ELF build)"
    exit 77
fi
if ! command -v nm >/dev/null 2>&1; then
    echo "SKIP: nm not found"
    exit 77
fi
# Names without their version (binutils' nm prints koro_init@@KORUTIN_0.1;
# tests/abi-symver.sh checks the versions).
syms=$(nm -D --defined-only "$lib" |
       awk '$2 ~ /^[TDBRWV]$/ { sub(/@.*/, "", $3); print $3 }')
bad=$(printf '%s\n' "$syms" | grep -v '^koro_[a-z]' | grep -v '^$')
n=$(printf '%s\n' "$syms" | grep -c '^koro_[a-z]')
if test -n "$bad"; then
    echo "FAIL: exported symbols outside koro_*:"; echo "$bad"; exit 1
fi
for f in koro_init koro_resume koro_yield koro_self koro_status koro_fini \
         koro_stack_min koro_strerror koro_backend; do
    printf '%s\n' "$syms" | grep -qx "$f" || { echo "FAIL: $f not exported"; exit 1; }
done
echo "PASS: $n koro_ symbols exported, nothing else"
