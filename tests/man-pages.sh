#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# Every KORO_API function declared in include/korutin.h has a man page in
# doc/ that `make install` installs, and every page renders without a
# single groff warning.
srcdir=${srcdir:-.}
hdr=$srcdir/include/korutin.h
doc=$srcdir/doc
mk=$srcdir/Makefile.am
fail=0

names=$(sed -n 's/^KORO_API[^(]*[ *]\(koro_[a-z0-9_]*\)(.*/\1/p' "$hdr")
if test -z "$names"; then
    echo "FAIL: no KORO_API function found in $hdr"
    exit 1
fi
n=0
for f in $names; do
    n=$((n + 1))
    page=$doc/$f.3
    if ! test -f "$page"; then
        echo "FAIL: $f has no man page ($page)"
        fail=1
    fi
done
for page in "$doc"/*.3; do
    base=doc/$(basename "$page")
    grep -q "$base" "$mk" ||
        { echo "FAIL: $base is not installed (add it to dist_man_MANS)"; fail=1; }
    target=$(sed -n 's|^\.so  *man3/\(.*\)$|\1|p' "$page")
    if test -n "$target" && ! test -f "$doc/$target"; then
        echo "FAIL: $base links to missing $target"
        fail=1
    fi
done

if command -v groff >/dev/null 2>&1; then
    for page in "$doc"/*.3; do
        grep -q '^\.so ' "$page" && continue
        out=$(groff -man -Tutf8 -z -wall "$page" 2>&1)
        if test -n "$out"; then
            echo "FAIL: groff warns about $page:"
            echo "$out"
            fail=1
        fi
    done
    how="groff -wall"
elif command -v mandoc >/dev/null 2>&1; then
    for page in "$doc"/*.3; do
        grep -q '^\.so ' "$page" && continue
        out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
        test -z "$out" || { echo "FAIL: mandoc: $out"; fail=1; }
    done
    how="mandoc -Tlint"
else
    how=
fi
test $fail = 0 || exit 1
if test -z "$how"; then
    echo "SKIP: all $n functions have pages; neither groff nor mandoc to render them"
    exit 77
fi
echo "PASS: all $n KORO_API functions have a man page; all pages render cleanly ($how)"
