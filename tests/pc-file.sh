#!/bin/sh
# korutin.pc as pkg-config reads it: the version, and -DKORO_STATIC from
# --static --cflags on Windows hosts only (the static library's functions
# must not be declared dllimport there), never from plain --cflags.
#
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# PKG_CONFIG may carry --static itself (the cross builds' Check is a
# static library): this test adds it only where it asks for it.
pc=
for w in ${PKG_CONFIG:-pkg-config}; do
    [ "$w" = --static ] || pc="$pc${pc:+ }$w"
done
if ! command -v "${pc%% *}" >/dev/null 2>&1; then
    echo "SKIP: no pkg-config"
    exit 77
fi
dir=${top_builddir:-.}
PKG_CONFIG_PATH=$dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
v=$($pc --modversion korutin) || { echo "FAIL: $pc cannot read $dir/korutin.pc"; exit 1; }
if [ "$v" != "${KORO_VERSION:-$v}" ]; then
    echo "FAIL: korutin.pc says version $v, the package is $KORO_VERSION"; exit 1
fi
shared=$($pc --cflags korutin) && static=$($pc --static --cflags korutin) ||
    { echo "FAIL: $pc --cflags korutin failed"; exit 1; }
echo "cflags: $shared"
echo "static cflags: $static"
case " $shared " in
*" -DKORO_STATIC "*) echo "FAIL: plain --cflags has -DKORO_STATIC"; exit 1 ;;
esac
case ${KORO_HOST_OS:-} in
mingw*|cygwin*|msys*) want=yes ;;
*) want=no ;;
esac
case " $static " in
*" -DKORO_STATIC "*) got=yes ;;
*) got=no ;;
esac
if [ $got != $want ]; then
    echo "FAIL: -DKORO_STATIC in --static --cflags: $got, expected $want for ${KORO_HOST_OS:-this host}"
    exit 1
fi
echo "PASS: korutin.pc $v; -DKORO_STATIC in --static --cflags: $got"
