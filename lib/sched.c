/* sched.c - the scheduler (placeholder until it lands). */
#include "koro-int.h"

void
koro__sched_forget(koro_t *k)
{
    (void)k;
}
