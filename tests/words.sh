#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# The user-facing files speak of the product only: no development
# sessions and no tools that are not in the tree.  Fails, listing each
# line, on the word "session" (any case) and on "A/B" or "harness".
srcdir=${srcdir:-.}
cd "$srcdir" || exit 99
files=
for f in README NEWS ChangeLog doc include lib bench examples; do
    test -e "$f" && files="$files $f"
done
if test -z "$files"; then
    echo "FAIL: no user-facing files under $srcdir"
    exit 1
fi
fail=0
# Sources only, also in a build tree: grep -I skips binaries, and the
# build's own files are left out.  -w makes "session" a whole word.
g() {
    grep -rI --exclude-dir=.deps --exclude-dir=.libs --exclude='*.l[ao]' \
        --exclude='*.o' "$@" $files
}
if g -niw -E 'sessions?'; then
    echo "FAIL: the lines above speak of development sessions"
    fail=1
fi
if g -n -e 'A/B' || g -niw -e 'harness'; then
    echo "FAIL: the lines above name a tool that is not in the tree"
    fail=1
fi
test $fail = 0 && echo "PASS: no development notes in$files"
exit $fail
