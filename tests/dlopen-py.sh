#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# Python's ctypes.CDLL loads the shared library from a process whose
# other threads already run, and calls into it.
lib=${top_builddir:-.}/lib/.libs/libkorutin.so.0
if ! test -f "$lib"; then
    echo "SKIP: no ELF shared library at $lib (static-only or non-ELF build)"
    exit 77
fi
if test -n "${TEST_WRAPPER:-}"; then
    echo "SKIP: test programs run through $TEST_WRAPPER here"
    exit 77
fi
case " ${KORO_CFLAGS:-} " in
*-fsanitize=*)
    echo "SKIP: a library built with -fsanitize needs its runtime loaded first, which python3 does not"
    exit 77 ;;
esac
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found"
    exit 77
fi
# The ELF class and machine of the library and of the interpreter (an
# i386 build on an x86_64 host has a 64-bit python3).
elf_id() { od -An -tx1 -j4 -N1 "$1" && od -An -tx1 -j18 -N2 "$1"; }
py=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
if test "$(elf_id "$lib" | tr -d ' \n')" != "$(elf_id "$py" | tr -d ' \n')"; then
    echo "SKIP: $py is not built for the ABI of $lib"
    exit 77
fi
exec python3 - "$lib" <<'PY'
import ctypes, sys, threading
stop = threading.Event()
t = threading.Thread(target=stop.wait)
t.start()
try:
    lib = ctypes.CDLL(sys.argv[1])
    lib.koro_stack_min.restype = ctypes.c_size_t
    lib.koro_backend.restype = ctypes.c_char_p
    lib.koro_strerror.restype = ctypes.c_char_p
    n = lib.koro_stack_min()
    rc = lib.koro_yield()  # outside any coroutine
    assert n > 0, n
    assert rc < 0 and b"not inside" in lib.koro_strerror(rc), rc
    print("PASS: ctypes.CDLL loaded %s (backend %s, koro_stack_min %d)"
          % (sys.argv[1], lib.koro_backend().decode(), n))
finally:
    stop.set()
    t.join()
PY
