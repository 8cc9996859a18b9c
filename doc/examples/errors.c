/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* errors.c - provoking error codes on purpose, and koro_strerror().
 * Exits 0 when each call returned the code the manual gives for it. */
#include <korutin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per coroutine stack on top of what the library needs, which
 * depends on the backend (koro_stack_min(): tens of KiB where coroutines
 * are OS threads). */
#define STACK_EXTRA 16384

static int bad;

static void
expect(int rc, int want, const char *name, const char *how)
{
    printf("%-15s %3d  %-44s %s\n", name, rc, koro_strerror(rc), how);
    if (rc != want) {
        printf("  expected %d\n", want);
        bad++;
    }
}
#define EXPECT(call, code, how) expect((call), code, #code, how)

static koro_t outer, inner;

static void
inner_body(void *arg)
{
    (void)arg;
    EXPECT(koro_resume(&outer), KORO_ENORMAL, "resume the resumer");
}

static void
outer_body(void *arg)
{
    (void)arg;
    EXPECT(koro_resume(&outer), KORO_ERUNNING, "resume oneself");
    koro_resume(&inner);
}

static void
just_return(void *arg)
{
    (void)arg;
}

static void
wait_forever(void *arg)
{
    koro_chan_recv(arg, NULL);
}

int
main(void)
{
    size_t size = koro_stack_min() + STACK_EXTRA;
    unsigned char *s1 = malloc(2 * size), *s2 = s1 + size;
    koro_t k;
    koro_sched_t sched;
    koro_chan_t c;
    size_t used;
    int err;

    if (!s1)
        exit(1);
    /* The core. */
    EXPECT(koro_init(NULL, just_return, NULL, s1, size), KORO_EINVAL,
           "a NULL coroutine");
    EXPECT(koro_init(&k, just_return, NULL, s1, 16), KORO_ESTACK,
           "a 16-byte stack");
    bad += koro_init(&k, just_return, NULL, s1, size) != 0;
    EXPECT(koro_stack_used(&k, &used), KORO_ENOSYS, "no watermark");
    koro_resume(&k);
    EXPECT(koro_resume(&k), KORO_EDEAD, "resume a dead coroutine");
    EXPECT(koro_watermark(&k), KORO_ESTARTED, "watermark too late");
    EXPECT(koro_yield(), KORO_ENOTCORO, "yield from main()");
    bad += koro_init(&outer, outer_body, NULL, s1, size) != 0;
    bad += koro_init(&inner, inner_body, NULL, s2, size) != 0;
    koro_resume(&outer);

    /* The scheduler and channels. */
    koro_sched_init(&sched);
    koro_chan_init(&c, NULL, 0, 0);
    EXPECT(koro_chan_try_recv(&c, NULL), KORO_EAGAIN, "nothing to receive");
    EXPECT(koro_chan_recv_timeout(&c, NULL, 0), KORO_ETIMEDOUT,
           "timeout 0, nothing to receive");
    EXPECT(koro_chan_recv(&c, NULL), KORO_ENOSCHED, "block in main()");
    bad += koro_init(&k, wait_forever, &c, s1, size) != 0;
    koro_sched_spawn(&sched, &k);
    EXPECT(koro_sched_spawn(&sched, &k), KORO_EBUSY, "spawn twice");
    EXPECT(koro_sched_run(&sched), KORO_EDEADLK, "nobody sends");
    koro_chan_close(&c);
    EXPECT(koro_chan_close(&c), KORO_ECLOSED, "close twice");
    koro_sched_run(&sched); /* the waiter sees the close and returns */

    /* Every code has a description; anything else is "unknown error". */
    for (err = -1; err >= KORO_ELAST; err--)
        if (strcmp(koro_strerror(err), "unknown error") == 0)
            bad++;
    bad += strcmp(koro_strerror(KORO_ELAST - 1), "unknown error") != 0;
    exit(bad == 0 ? 0 : 1);
}
