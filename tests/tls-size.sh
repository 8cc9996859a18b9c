#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# The shared library's thread-local storage is at most 128 bytes per
# thread: a dlopen()ed library with initial-exec TLS must fit the C
# library's small static TLS reserve (tests/dlopen-host.c loads it).
lib=${top_builddir:-.}/lib/.libs/libkorutin.so.0
max=128
if ! test -f "$lib"; then
    echo "SKIP: no ELF shared library at $lib (static-only or non-ELF build)"
    exit 77
fi
readelf=${KORO_READELF:-readelf}
if ! command -v "$readelf" >/dev/null 2>&1; then
    echo "SKIP: readelf not found (binutils)"
    exit 77
fi
# The TLS program header: Type Offset VirtAddr PhysAddr FileSiz MemSiz ...
memsz=$("$readelf" -lW "$lib" | awk '$1 == "TLS" { print $6 }')
if test -z "$memsz"; then
    echo "PASS: $lib has no thread-local storage"
    exit 0
fi
n=$(printf '%d' "$memsz")
if test "$n" -gt "$max"; then
    echo "FAIL: $lib has $n bytes of TLS (PT_TLS MemSiz $memsz), more than $max"
    exit 1
fi
echo "PASS: $lib has $n bytes of TLS (at most $max)"
