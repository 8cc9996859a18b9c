/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* proc-kib.h - a "Field:   N kB" line of a Linux /proc file, for the
 * benchmark programs.  Include after <stdio.h>, <stdlib.h>, <string.h>. */
#ifndef KORO_BENCH_PROC_KIB_H
#define KORO_BENCH_PROC_KIB_H

/* The number after `field` (e.g. "VmRSS:") in the file at path, in KiB,
 * or -1 where the file or the field is missing. */
static long
proc_kib(const char *path, const char *field)
{
    char line[256];
    size_t len = strlen(field);
    long kib = -1;
    FILE *f = fopen(path, "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, len)) {
            kib = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

#endif /* KORO_BENCH_PROC_KIB_H */
