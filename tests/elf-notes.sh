#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# Security properties of the shared library, read with readelf:
#  - a non-executable stack (PT_GNU_STACK present and not RWE), which the
#    .note.GNU-stack section of every assembly file must keep;
#  - no text relocations;
#  - with -fcf-protection (x86 CET): the IBT property is present and SHSTK
#    is NOT claimed, because the switch moves the stack pointer between
#    stacks without keeping a shadow stack in step;
#  - with -mbranch-protection (arm64): the BTI property is present.
lib=${top_builddir:-.}/lib/.libs/libkorutin.so
if ! test -f "$lib"; then
    echo "SKIP: no ELF shared library at $lib (static-only or non-ELF build)"
    exit 77
fi
if ! command -v readelf >/dev/null 2>&1; then
    echo "SKIP: readelf not found (binutils)"
    exit 77
fi
if ! readelf -h "$lib" >/dev/null 2>&1; then
    echo "SKIP: $lib is not ELF"
    exit 77
fi
fail=0
ok=

stack=$(readelf -lW "$lib" | grep GNU_STACK)
case $stack in
"") echo "FAIL: no PT_GNU_STACK: the stack would be executable"; fail=1 ;;
*RWE*) echo "FAIL: executable stack: $stack"; fail=1 ;;
*) ok="$ok non-executable stack;" ;;
esac

if readelf -dW "$lib" | grep -q TEXTREL; then
    echo "FAIL: the library has text relocations"
    fail=1
else
    ok="$ok no TEXTREL;"
fi

# Whether the C library's crti.o lacks the GNU property that matches $1
# (sets crti).  The linker claims a property only if every input has it,
# so there no shared library can.
crti_lacks() {
    crti=$(${KORO_CC} ${KORO_CFLAGS:-} -print-file-name=crti.o 2>/dev/null)
    test -f "$crti" && ! readelf -nW "$crti" 2>/dev/null | grep -q "$1"
}
# The library's own objects: libtool's PIC ones, else the plain ones.
our_objects() {
    objs=$(find "${top_builddir:-.}/lib" -name '*.o' -path '*/.libs/*')
    test -n "$objs" || objs=$(find "${top_builddir:-.}/lib" -name '*.o')
    printf '%s\n' "$objs"
}

# What the compiler was asked for: the flags the library was built with.
defs=
if test -n "${KORO_CC:-}"; then
    defs=$(${KORO_CC} ${KORO_CFLAGS:-} -dM -E - </dev/null 2>/dev/null)
fi
notes=$(readelf -nW "$lib" 2>/dev/null)
cet=$(printf '%s\n' "$defs" | sed -n 's/^#define __CET__ \([0-9]*\)$/\1/p')
if test -n "$cet" && test $((cet & 1)) -ne 0; then
    if printf '%s\n' "$notes" | grep -q 'x86 feature:.*IBT'; then
        ok="$ok IBT claimed;"
        if printf '%s\n' "$notes" | grep -q 'x86 feature:.*SHSTK'; then
            echo "FAIL: SHSTK is claimed, but the switch keeps no shadow stack"
            fail=1
        else
            ok="$ok SHSTK not claimed;"
        fi
    else
        # Where the start files lack it (Debian 12's crti.o), check our
        # own objects instead.
        if crti_lacks 'x86 feature:.*IBT'; then
            for o in $(our_objects); do
                on=$(readelf -nW "$o" 2>/dev/null)
                printf '%s\n' "$on" | grep -q 'x86 feature:.*IBT' ||
                    { echo "FAIL: $o was built without IBT"; fail=1; }
                case $o in
                *switch*)
                    if printf '%s\n' "$on" | grep -q 'x86 feature:.*SHSTK'; then
                        echo "FAIL: $o claims SHSTK but keeps no shadow stack"
                        fail=1
                    fi ;;
                esac
            done
            ok="$ok IBT on every object and SHSTK not claimed by the switch (the library itself cannot claim IBT: $crti has no CET property);"
        else
            echo "FAIL: built with -fcf-protection but the IBT property is missing"
            fail=1
        fi
    fi
elif printf '%s\n' "$defs" | grep -q '__ARM_FEATURE_BTI_DEFAULT 1'; then
    if printf '%s\n' "$notes" | grep -q 'AArch64 feature:.*BTI'; then
        ok="$ok BTI claimed;"
    else
        # As for IBT above: Debian 12's aarch64 crti.o has no BTI
        # property, so no shared library can claim it there.
        if crti_lacks 'AArch64 feature:.*BTI'; then
            for o in $(our_objects); do
                readelf -nW "$o" 2>/dev/null | grep -q 'AArch64 feature:.*BTI' ||
                    { echo "FAIL: $o was built without BTI"; fail=1; }
            done
            ok="$ok BTI on every object (the library itself cannot claim BTI: $crti has no BTI property);"
        else
            echo "FAIL: built with branch protection but the BTI property is missing"
            fail=1
        fi
    fi
else
    ok="$ok CET/BTI not checked (not built with -fcf-protection or -mbranch-protection);"
fi
test $fail = 0 || exit 1
echo "PASS:$ok"
