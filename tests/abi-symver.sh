#!/bin/sh
# Every symbol the shared library defines and exports is a public koro_
# function with the version node KORUTIN_0.1 (lib/korutin.map); the node's
# own definition is the only other one.  tests/abi-exports.sh checks the
# same export list with nm, on every build.
#
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
lib=${top_builddir:-.}/lib/.libs/libkorutin.so
node=KORUTIN_0.1
if ! test -f "$lib"; then
    echo "SKIP: no ELF shared library at $lib (static-only or non-ELF build)"
    exit 77
fi
if test "${KORO_VSCRIPT:-yes}" != yes; then
    echo "SKIP: configure found that the linker takes no version script"
    exit 77
fi
readelf=${READELF:-readelf}
if ! command -v "$readelf" >/dev/null 2>&1; then
    echo "SKIP: $readelf not found (Debian: binutils)"
    exit 77
fi
out=$("$readelf" --dyn-syms -W "$lib") || { echo "FAIL: $readelf failed"; exit 1; }
# Columns: Num Value Size Type Bind Vis Ndx Name, after dropping the
# "[<localentry>: 8]" that ppc64le has after Vis.  The defined, non-local
# ones are those whose section index is not UND.
defs=$(printf '%s\n' "$out" |
       awk '{ sub(/ \[<[^]]*\]/, "") }
            $1 ~ /^[0-9]+:$/ && $7 != "UND" && $5 != "LOCAL" { print $4, $7, $8 }')
if test -z "$defs"; then
    echo "FAIL: $readelf lists no defined dynamic symbol in $lib"; exit 1
fi
bad=$(printf '%s\n' "$defs" | awk -v node="$node" '
    $1 == "OBJECT" && $2 == "ABS" && $3 == node { next }
    $3 ~ "^koro_[a-z][a-z0-9_]*@@" node "$" { next }
    { print $3 }')
if test -n "$bad"; then
    echo "FAIL: exported symbols without the version node $node:"
    printf '%s\n' "$bad"
    exit 1
fi
n=$(printf '%s\n' "$defs" | grep -c "^FUNC .*@@$node\$")
for f in koro_init koro_resume koro_yield koro_fini koro_strerror; do
    printf '%s\n' "$defs" | grep -q " $f@@$node\$" ||
        { echo "FAIL: $f@@$node not exported"; exit 1; }
done
echo "PASS: $n functions, each koro_*@@$node; nothing else exported"
