#!/bin/sh
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# Stands in for tests/cxx-NAME (tests/t-cxx.cc) where configure found no
# C++ compiler that links with the C compiler's objects.
echo "SKIP: C++ exception tests: no usable C++ compiler (configure CXX=...)"
exit 77
