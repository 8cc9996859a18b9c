/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* switch.S - assembles the lib/arch file for the ABI the compiler targets
 * (see abi.h), or nothing. */
#include "abi.h"
#ifdef KORO_ABI_FILE
#include KORO_ABI_FILE
#endif
