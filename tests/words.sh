#!/bin/sh
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
# grep -I skips binary files; -w makes "session" a whole word.
if grep -rIniw -E 'sessions?' $files; then
    echo "FAIL: the lines above speak of development sessions"
    fail=1
fi
if grep -rIn -e 'A/B' $files || grep -rIniw -e 'harness' $files; then
    echo "FAIL: the lines above name a tool that is not in the tree"
    fail=1
fi
test $fail = 0 && echo "PASS: no development notes in$files"
exit $fail
