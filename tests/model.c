/* Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING. */
/* model.c - random program generator, library runner and reference model
 * for the scheduler and channels; see model.h for the idea. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "model.h"

#include "korutin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Random choices. */

void
m_rand_seed(struct m_rand *r, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->state = seed;
}

void
m_rand_bytes(struct m_rand *r, const uint8_t *b, size_t n)
{
    memset(r, 0, sizeof *r);
    r->bytes = b;
    r->nbytes = n;
}

static uint32_t
rnd(struct m_rand *r)
{
    uint64_t z;

    if (r->bytes) {
        /* One byte per choice gives a fuzzer direct control; past the
         * end everything is 0 (the smallest choice). */
        return r->pos < r->nbytes ? r->bytes[r->pos++] : 0;
    }
    /* splitmix64 */
    z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static int
below(struct m_rand *r, int n)
{
    return n <= 1 ? 0 : (int)(rnd(r) % (uint32_t)n);
}

/* ------------------------------------------------------------------ */
/* The generator. */

/* Relative weights of the operations, for scheduled coroutines, helpers
 * and main.  Blocking operations dominate in the coroutines so that
 * programs interleave and deadlock often enough. */
static const unsigned char w_co[M_NKINDS] = {
    [M_YIELD] = 6,  [M_SLEEP0] = 2,  [M_SLEEP] = 3,   [M_SEND] = 14,
    [M_RECV] = 14,  [M_TRYSEND] = 4, [M_TRYRECV] = 4, [M_SENDT0] = 2,
    [M_RECVT0] = 2, [M_SELECT] = 12, [M_CLOSE] = 3,   [M_SPAWN] = 4,
    [M_FINI] = 2,   [M_RESUME] = 6,  [M_STATUS] = 2,  [M_LEN] = 1,
    [M_RUN] = 1,    [M_SELF] = 1,
};
static const unsigned char w_helper[M_NKINDS] = {
    [M_YIELD] = 8,  [M_SLEEP0] = 1,  [M_SLEEP] = 1,   [M_SEND] = 5,
    [M_RECV] = 5,   [M_TRYSEND] = 6, [M_TRYRECV] = 6, [M_SENDT0] = 1,
    [M_RECVT0] = 1, [M_SELECT] = 5,  [M_CLOSE] = 2,   [M_SPAWN] = 2,
    [M_FINI] = 2,   [M_RESUME] = 2,  [M_STATUS] = 2,  [M_LEN] = 1,
    [M_SELF] = 1,
};
static const unsigned char w_main[M_NKINDS] = {
    [M_YIELD] = 1,  [M_SLEEP0] = 1,  [M_SLEEP] = 1,   [M_SEND] = 3,
    [M_RECV] = 3,   [M_TRYSEND] = 5, [M_TRYRECV] = 5, [M_SENDT0] = 1,
    [M_RECVT0] = 1, [M_SELECT] = 3,  [M_CLOSE] = 4,   [M_SPAWN] = 5,
    [M_FINI] = 3,   [M_RESUME] = 3,  [M_STATUS] = 2,  [M_LEN] = 1,
    [M_SELF] = 1,
};

/* Main after a deadlock: mostly what wakes blocked coroutines. */
static const unsigned char w_repair[M_NKINDS] = {
    [M_YIELD] = 1,   [M_SEND] = 2,   [M_RECV] = 2,   [M_TRYSEND] = 6,
    [M_TRYRECV] = 6, [M_SELECT] = 3, [M_CLOSE] = 5,  [M_SPAWN] = 3,
    [M_FINI] = 2,    [M_RESUME] = 3, [M_STATUS] = 1, [M_LEN] = 1,
};

static int
pick_kind(struct m_rand *r, const unsigned char *w, int nh)
{
    int total = 0, k, x;

    for (k = 0; k < M_NKINDS; k++)
        if (k != M_RESUME || nh)
            total += w[k];
    x = below(r, total);
    for (k = 0; k < M_NKINDS; k++) {
        if (k == M_RESUME && !nh)
            continue;
        if (x < w[k])
            return k;
        x -= w[k];
    }
    return M_YIELD;
}

/* Any coroutine id of p, scheduled or helper. */
static int
any_coro(const struct m_prog *p, struct m_rand *r)
{
    int i = below(r, p->nco + p->nh);

    return i < p->nco ? i : M_MAXCO + (i - p->nco);
}

static void
gen_op(const struct m_prog *p, struct m_rand *r, struct m_op *o,
       const unsigned char *w)
{
    int i;

    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)pick_kind(r, w, p->nh);
    switch (o->kind) {
    case M_SPAWN:
        o->a = (int8_t)below(r, p->nco);
        break;
    case M_FINI:
    case M_STATUS:
        o->a = (int8_t)any_coro(p, r);
        break;
    case M_RESUME:
        o->a = (int8_t)(M_MAXCO + below(r, p->nh));
        break;
    case M_SELECT:
        /* Mostly 2-3 cases; sometimes none or one. */
        o->ncases = (int8_t)(below(r, 8) < 6 ? 2 + below(r, 2) : below(r, 2));
        o->timeout = (int8_t)(below(r, 3) ? -1 : 0);
        for (i = 0; i < o->ncases; i++) {
            int c = below(r, 4 * p->nch + 1);

            o->cases[i].ch = (int8_t)(c == 4 * p->nch ? -1 : c % p->nch);
            o->cases[i].op =
                (int8_t)(below(r, 2) ? KORO_SEL_SEND : KORO_SEL_RECV);
        }
        break;
    default:
        o->a = (int8_t)below(r, p->nch);
    }
}

static int
clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void
m_gen(struct m_prog *p, struct m_rand *r, const struct m_limits *lim)
{
    struct m_limits d = {M_MAXCO, M_MAXH, M_MAXCH, M_MAXOPS, M_MAXROUNDS};
    int i, j, n;

    if (!lim)
        lim = &d;
    memset(p, 0, sizeof *p);
    p->nco = 1 + below(r, clampi(lim->maxco, 1, M_MAXCO));
    p->nh = below(r, clampi(lim->maxh, 0, M_MAXH) + 1);
    p->nch = 1 + below(r, clampi(lim->maxch, 1, M_MAXCH));
    p->nrounds = 1 + below(r, clampi(lim->maxrounds, 1, M_MAXROUNDS));
    for (i = 0; i < p->nch; i++)
        p->cap[i] = below(r, M_MAXCAP + 1);
    /* One length for all sleeps: sleepers then wake in the order they
     * went to sleep (see model.h).  Short, so that idle waits are cheap. */
    p->sleep_ns = 1000u * (uint32_t)(1 + below(r, 20));
    for (i = 0; i < M_NK; i++) {
        int helper = i >= M_MAXCO;

        if ((helper && i - M_MAXCO >= p->nh) || (!helper && i >= p->nco))
            continue;
        n = below(r, clampi(lim->maxops, 0, M_MAXOPS) + 1);
        for (j = 0; j < n; j++)
            gen_op(p, r, &p->co[i].op[j], helper ? w_helper : w_co);
        p->co[i].n = n;
    }
    for (i = 0; i < p->nrounds; i++) {
        struct m_script *s = &p->main[i];

        /* Round 0 starts most coroutines; later rounds repair deadlocks
         * (close, send, fini) or start the rest. */
        if (i == 0)
            for (j = 0; j < p->nco; j++)
                if (below(r, 5))
                    s->op[s->n++] =
                        (struct m_op){.kind = M_SPAWN, .a = (int8_t)j};
        n = below(r, i == 0 ? 4 : 7);
        while (n-- > 0 && s->n < M_MAXOPS)
            gen_op(p, r, &s->op[s->n++], i == 0 ? w_main : w_repair);
    }
}

int
m_size(const struct m_prog *p)
{
    int i, n = 0;

    for (i = 0; i < M_NK; i++)
        n += p->co[i].n;
    for (i = 0; i < M_MAXROUNDS; i++)
        n += p->main[i].n;
    return n;
}

/* ------------------------------------------------------------------ */
/* Printing. */

static const char *const kind_name[M_NKINDS] = {
    "yield",    "sleep0",  "sleep",   "send",   "recv",  "try_send",
    "try_recv", "send_t0", "recv_t0", "select", "close", "spawn",
    "fini",     "resume",  "status",  "len",    "run",   "self",
};

static void
print_op(FILE *f, const struct m_op *o)
{
    int i;

    fprintf(f, "%s", kind_name[o->kind]);
    switch (o->kind) {
    case M_YIELD:
    case M_SLEEP0:
    case M_SLEEP:
    case M_RUN:
    case M_SELF:
        break;
    case M_SPAWN:
    case M_FINI:
    case M_RESUME:
    case M_STATUS:
        fprintf(f, "(k%d)", o->a);
        break;
    case M_SELECT:
        fprintf(f, "{");
        for (i = 0; i < o->ncases; i++) {
            const struct m_case *c = &o->cases[i];

            fprintf(f, "%s%s ", i ? ", " : "",
                    c->op == KORO_SEL_SEND ? "send" : "recv");
            if (c->ch < 0)
                fprintf(f, "NULL");
            else
                fprintf(f, "c%d", c->ch);
        }
        fprintf(f, "} timeout %d", o->timeout);
        break;
    default:
        fprintf(f, "(c%d)", o->a);
    }
}

static void
print_script(FILE *f, const char *name, const struct m_script *s)
{
    int i;

    fprintf(f, "  %s:", name);
    for (i = 0; i < s->n; i++) {
        fprintf(f, " %d:", i);
        print_op(f, &s->op[i]);
        fprintf(f, ";");
    }
    fprintf(f, "\n");
}

void
m_print_prog(FILE *f, const struct m_prog *p)
{
    char name[48];
    int i;

    fprintf(f,
            "program: %d scheduled (k0..k%d), %d helpers (k%d..), "
            "sleep %u ns, channels:",
            p->nco, p->nco - 1, p->nh, M_MAXCO, (unsigned)p->sleep_ns);
    for (i = 0; i < p->nch; i++)
        fprintf(f, " c%d cap %d;", i, p->cap[i]);
    fprintf(f, "\n");
    for (i = 0; i < M_NK; i++) {
        if (i < M_MAXCO ? i >= p->nco : i - M_MAXCO >= p->nh)
            continue;
        snprintf(name, sizeof name, "k%d%s", i,
                 i >= M_MAXCO ? " (helper)" : "");
        print_script(f, name, &p->co[i]);
    }
    for (i = 0; i < p->nrounds; i++) {
        snprintf(name, sizeof name, "main round %d (then run)", i);
        print_script(f, name, &p->main[i]);
    }
}

static void
print_ev(FILE *f, const struct m_ev *e)
{
    if (e->who == M_MAIN)
        fprintf(f, "main");
    else
        fprintf(f, "k%d", e->who);
    switch (e->pc) {
    case M_PC_BEGIN:
        fprintf(f, " begin");
        break;
    case M_PC_END:
        fprintf(f, " end");
        break;
    case M_PC_RUN:
        fprintf(f, " sched_run(round %d)", e->a);
        break;
    default:
        fprintf(f, " op %d", e->pc);
    }
    fprintf(f, " rc=%d", e->rc);
    if (e->a != M_NOVAL && e->pc != M_PC_RUN)
        fprintf(f, " a=%d", e->a);
    if (e->b != M_NOVAL)
        fprintf(f, " b=%d", e->b);
}

void
m_print_trace(FILE *f, const struct m_trace *t)
{
    int i;

    for (i = 0; i < t->n; i++) {
        fprintf(f, "  %3d ", i);
        print_ev(f, &t->ev[i]);
        fprintf(f, "\n");
    }
}

/* The value coroutine `who` sends in case `c` of its operation `pc`:
 * unique, so a received value tells who sent it and when. */
static int
send_val(int who, int pc, int c)
{
    return (who + 1) * 10000 + pc * 10 + c;
}

/* Main's operations are numbered across rounds. */
static int
main_pc(int round, int i)
{
    return round * M_MAXOPS + i;
}

/* ------------------------------------------------------------------ */
/* The library side. */

static size_t stack_size;
static unsigned char *stacks;
static koro_t K[M_NK];
static koro_sched_t S;
static koro_chan_t CH[M_MAXCH];
static int CHBUF[M_MAXCH][M_MAXCAP + 1];
static const struct m_prog *LP;
static struct m_trace *LT;

int
m_setup(void)
{
    if (stacks)
        return 0;
    stack_size = koro_stack_min();
    if (stack_size < 65536)
        stack_size = 65536;
    stacks = malloc(stack_size * M_NK);
    return stacks ? 0 : -1;
}

static void
lib_log(int who, int pc, int rc, int a, int b)
{
    struct m_ev *e;

    if (LT->n >= M_MAXEV) {
        LT->overflow = 1;
        return;
    }
    e = &LT->ev[LT->n++];
    e->who = (int16_t)who;
    e->pc = (int16_t)pc;
    e->rc = rc;
    e->a = a;
    e->b = b;
}

static int
coro_index(const koro_t *k)
{
    int i;

    if (!k)
        return -1;
    for (i = 0; i < M_NK; i++)
        if (k == &K[i])
            return i;
    return -2;
}

static void
lib_select(int who, int pc, const struct m_op *o)
{
    struct koro_sel cs[M_MAXCASES];
    int vals[M_MAXCASES], i, rc, res = M_NOVAL, v = M_NOVAL;

    for (i = 0; i < o->ncases; i++) {
        const struct m_case *c = &o->cases[i];

        cs[i].chan = c->ch < 0 ? NULL : &CH[c->ch];
        cs[i].op = c->op;
        vals[i] = c->op == KORO_SEL_SEND ? send_val(who, pc, i) : M_NOVAL;
        cs[i].elem = &vals[i];
        cs[i].result = 12345;
    }
    rc = koro_select(cs, (size_t)o->ncases, o->timeout);
    if (rc >= 0 && rc < o->ncases) {
        res = cs[rc].result;
        if (cs[rc].op == KORO_SEL_RECV)
            v = vals[rc];
    }
    lib_log(who, pc, rc, res, v);
}

static void
lib_exec(int who, int pc, const struct m_op *o)
{
    int v = M_NOVAL, rc;

    switch (o->kind) {
    case M_YIELD:
        rc = koro_yield();
        break;
    case M_SLEEP0:
        rc = koro_sleep(0);
        break;
    case M_SLEEP:
        rc = koro_sleep(LP->sleep_ns);
        break;
    case M_SEND:
        v = send_val(who, pc, 0);
        rc = koro_chan_send(&CH[o->a], &v);
        v = M_NOVAL;
        break;
    case M_TRYSEND:
        v = send_val(who, pc, 0);
        rc = koro_chan_try_send(&CH[o->a], &v);
        v = M_NOVAL;
        break;
    case M_SENDT0:
        v = send_val(who, pc, 0);
        rc = koro_chan_send_timeout(&CH[o->a], &v, 0);
        v = M_NOVAL;
        break;
    case M_RECV:
        rc = koro_chan_recv(&CH[o->a], &v);
        break;
    case M_TRYRECV:
        rc = koro_chan_try_recv(&CH[o->a], &v);
        break;
    case M_RECVT0:
        rc = koro_chan_recv_timeout(&CH[o->a], &v, 0);
        break;
    case M_SELECT:
        lib_select(who, pc, o);
        return;
    case M_CLOSE:
        rc = koro_chan_close(&CH[o->a]);
        break;
    case M_SPAWN:
        rc = koro_sched_spawn(&S, &K[o->a]);
        break;
    case M_FINI:
        rc = koro_fini(&K[o->a]);
        break;
    case M_RESUME:
        rc = koro_resume(&K[o->a]);
        break;
    case M_STATUS:
        rc = koro_status(&K[o->a]);
        break;
    case M_LEN:
        rc = (int)koro_chan_len(&CH[o->a]);
        break;
    case M_RUN:
        rc = koro_sched_run(&S);
        break;
    case M_SELF:
        rc = coro_index(koro_self());
        v = koro_sched_self() == &S;
        break;
    default:
        rc = -999;
    }
    lib_log(who, pc, rc, v, M_NOVAL);
}

static void
lib_body(void *arg)
{
    int who = (int)(intptr_t)arg, pc;
    const struct m_script *s = &LP->co[who];

    lib_log(who, M_PC_BEGIN, 0, M_NOVAL, M_NOVAL);
    for (pc = 0; pc < s->n; pc++)
        lib_exec(who, pc, &s->op[pc]);
    lib_log(who, M_PC_END, 0, M_NOVAL, M_NOVAL);
}

static int
in_prog(const struct m_prog *p, int id)
{
    return id < M_MAXCO ? id < p->nco : id - M_MAXCO < p->nh;
}

int
m_lib_run(const struct m_prog *p, struct m_trace *t)
{
    int i, r, st;

    LP = p;
    LT = t;
    t->n = 0;
    t->overflow = 0;
    if (koro_sched_init(&S))
        return -1;
    for (i = 0; i < p->nch; i++)
        if (koro_chan_init(&CH[i], CHBUF[i], sizeof(int), (size_t)p->cap[i]))
            return -1;
    for (i = 0; i < M_NK; i++)
        if (in_prog(p, i) &&
            koro_init(&K[i], lib_body, (void *)(intptr_t)i,
                      stacks + (size_t)i * stack_size, stack_size))
            return -1;
    for (r = 0; r < p->nrounds; r++) {
        for (i = 0; i < p->main[r].n; i++)
            lib_exec(M_MAIN, main_pc(r, i), &p->main[r].op[i]);
        lib_log(M_MAIN, M_PC_RUN, koro_sched_run(&S), r, M_NOVAL);
    }
    /* Leave nothing behind: fini what has not finished. */
    for (i = 0; i < M_NK; i++) {
        if (!in_prog(p, i))
            continue;
        st = koro_status(&K[i]);
        lib_log(M_MAIN, M_PC_FSTATUS + i, st, M_NOVAL, M_NOVAL);
        if (st == KORO_SUSPENDED)
            lib_log(M_MAIN, M_PC_FFINI + i, koro_fini(&K[i]), M_NOVAL, M_NOVAL);
    }
    for (i = 0; i < p->nch; i++)
        lib_log(M_MAIN, M_PC_FLEN + i, (int)koro_chan_len(&CH[i]), M_NOVAL,
                M_NOVAL);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The reference model: the same semantics, simulated directly, checked
 * event by event against the library's trace. */

enum { W_NONE, W_QUEUED, W_BLOCKED, W_SLEEPING };
enum { P_BEGIN, P_YIELD, P_BLOCK };

struct mco {
    int pc, started, dead, finied, spawned;
    int where;
    int pending;         /* what to log when it runs again */
    unsigned key;        /* W_QUEUED: order of arrival; W_SLEEPING: seq */
    int fired, res, val; /* P_BLOCK: the completed case, result, value */
};

struct mwait {
    int who, c; /* coroutine and case index */
};

struct mch {
    int cap, cnt, closed;
    int buf[M_MAXCAP + 1];
    struct mwait rq[M_NK * M_MAXCASES], sq[M_NK * M_MAXCASES];
    int rqn, sqn;
};

struct model {
    const struct m_prog *p;
    const struct m_trace *lib;
    struct m_stats *st;
    int pos, bad;
    char *why;
    size_t whylen;
    struct mco co[M_NK];
    int q[M_NK], qn;   /* run queue */
    int sl[M_NK], sln; /* sleepers, in the order they went to sleep */
    unsigned seq;
    int chain[M_NK + 1], depth; /* chain[depth-1] is running; 0: main */
    int in_sched, live;
    struct mch ch[M_MAXCH];
};

static void
diverge(struct model *m, const char *fmt, ...)
{
    va_list ap;

    if (m->bad)
        return;
    m->bad = 1;
    va_start(ap, fmt);
    vsnprintf(m->why, m->whylen, fmt, ap);
    va_end(ap);
}

static const struct m_ev *
peek(const struct model *m)
{
    return m->pos < m->lib->n ? &m->lib->ev[m->pos] : NULL;
}

static void
emit(struct model *m, int who, int pc, int rc, int a, int b)
{
    const struct m_ev *e = peek(m);

    if (m->bad)
        return;
    if (e && e->who == who && e->pc == pc && e->rc == rc && e->a == a &&
        e->b == b) {
        m->pos++;
        return;
    }
    {
        char exp[96], got[96];

        snprintf(exp, sizeof exp, "who %d pc %d rc %d a %d b %d", who, pc, rc,
                 a, b);
        if (e)
            snprintf(got, sizeof got, "who %d pc %d rc %d a %d b %d", e->who,
                     e->pc, e->rc, e->a, e->b);
        else
            snprintf(got, sizeof got, "end of trace");
        diverge(m, "event %d: model expects {%s}, library logged {%s}", m->pos,
                exp, got);
    }
}

static void
runq_push(struct model *m, int k)
{
    m->co[k].where = W_QUEUED;
    m->co[k].key = ++m->seq;
    m->q[m->qn++] = k;
}

static void
list_del(int *a, int *n, int k)
{
    int i, j;

    for (i = j = 0; i < *n; i++)
        if (a[i] != k)
            a[j++] = a[i];
    *n = j;
}

static void
waitq_del(struct mwait *q, int *n, int who)
{
    int i, j;

    for (i = j = 0; i < *n; i++)
        if (q[i].who != who)
            q[j++] = q[i];
    *n = j;
}

/* Coroutine `who` no longer waits on anything. */
static void
unwait(struct model *m, int who)
{
    int i;

    for (i = 0; i < m->p->nch; i++) {
        waitq_del(m->ch[i].rq, &m->ch[i].rqn, who);
        waitq_del(m->ch[i].sq, &m->ch[i].sqn, who);
    }
}

static const struct m_op *
op_of(const struct model *m, int who, int pc)
{
    return who == M_MAIN ? NULL : &m->p->co[who].op[pc];
}

/* The case c of the operation `who` is blocked in completed. */
static void
wake(struct model *m, int who, int c, int res, int val)
{
    struct mco *k = &m->co[who];

    k->fired = c;
    k->res = res;
    k->val = val;
    unwait(m, who);
    runq_push(m, who);
}

/* What the blocked `who` sends in case c. */
static int
blocked_send_val(const struct model *m, int who, int c)
{
    return send_val(who, m->co[who].pc, c);
}

static int
send_now(struct model *m, int ci, int v)
{
    struct mch *c = &m->ch[ci];

    if (c->closed)
        return KORO_ECLOSED;
    if (c->rqn) {
        struct mwait w = c->rq[0];

        wake(m, w.who, w.c, 0, v);
        return 0;
    }
    if (c->cnt < c->cap) {
        c->buf[c->cnt++] = v;
        return 0;
    }
    return KORO_EAGAIN;
}

static int
recv_now(struct model *m, int ci, int *v)
{
    struct mch *c = &m->ch[ci];

    if (c->cnt) {
        *v = c->buf[0];
        memmove(c->buf, c->buf + 1, sizeof c->buf[0] * (size_t)--c->cnt);
        if (c->sqn) {
            struct mwait w = c->sq[0];

            c->buf[c->cnt++] = blocked_send_val(m, w.who, w.c);
            wake(m, w.who, w.c, 0, M_NOVAL);
        }
        return 0;
    }
    if (c->sqn) {
        struct mwait w = c->sq[0];

        *v = blocked_send_val(m, w.who, w.c);
        wake(m, w.who, w.c, 0, M_NOVAL);
        return 0;
    }
    return c->closed ? KORO_ECLOSED : KORO_EAGAIN;
}

static int
m_close(struct model *m, int ci)
{
    struct mch *c = &m->ch[ci];
    int woke = 0;

    if (c->closed)
        return KORO_ECLOSED;
    c->closed = 1;
    while (c->rqn) {
        wake(m, c->rq[0].who, c->rq[0].c, KORO_ECLOSED, M_NOVAL);
        woke = 1;
    }
    while (c->sqn) {
        wake(m, c->sq[0].who, c->sq[0].c, KORO_ECLOSED, M_NOVAL);
        woke = 1;
    }
    if (woke && m->st)
        m->st->closes_waking++;
    return 0;
}

/* May the running coroutine block?  Only one a scheduler resumed. */
static int
can_block(const struct model *m)
{
    return m->in_sched && m->depth == 1;
}

static int
m_status(const struct model *m, int k)
{
    int i;

    if (m->co[k].finied)
        return KORO_EINVAL;
    if (m->co[k].dead)
        return KORO_DEAD;
    if (m->depth && m->chain[m->depth - 1] == k)
        return KORO_RUNNING;
    for (i = 0; i + 1 < m->depth; i++)
        if (m->chain[i] == k)
            return KORO_NORMAL;
    return KORO_SUSPENDED;
}

/* Take k out of the scheduler (it finished or was finalised). */
static void
release(struct model *m, int k)
{
    struct mco *c = &m->co[k];

    if (!c->spawned)
        return;
    list_del(m->q, &m->qn, k);
    list_del(m->sl, &m->sln, k);
    unwait(m, k);
    c->where = W_NONE;
    c->spawned = 0;
    m->live--;
}

static int
m_spawn(struct model *m, int k)
{
    struct mco *c = &m->co[k];
    int st = m_status(m, k);

    if (st < 0)
        return KORO_EINVAL;
    if (c->spawned)
        return KORO_EBUSY;
    if (st != KORO_SUSPENDED || c->started)
        return KORO_ESTARTED;
    c->spawned = 1;
    m->live++;
    runq_push(m, k);
    return 0;
}

static int
m_fini(struct model *m, int k)
{
    int st = m_status(m, k);

    if (st < 0)
        return st;
    if (st == KORO_RUNNING)
        return KORO_ERUNNING;
    if (st == KORO_NORMAL)
        return KORO_ENORMAL;
    if (m->co[k].spawned && m->st)
        m->st->finis_live++;
    release(m, k);
    m->co[k].finied = 1;
    return 0;
}

static void m_run(struct model *m, int k);

static int
m_resume(struct model *m, int k)
{
    int st = m_status(m, k);

    if (st < 0)
        return st;
    switch (st) {
    case KORO_DEAD:
        return KORO_EDEAD;
    case KORO_RUNNING:
        return KORO_ERUNNING;
    case KORO_NORMAL:
        return KORO_ENORMAL;
    }
    if (m->st)
        m->st->resumes++;
    m->co[k].started = 1;
    m->chain[m->depth++] = k;
    m_run(m, k);
    m->depth--;
    return 0;
}

/* Block the running coroutine on the listed cases (single operations use
 * case 0). */
static void
block_on(struct model *m, int who, const struct m_case *cases, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        struct mch *c;

        if (cases[i].ch < 0)
            continue;
        c = &m->ch[cases[i].ch];
        if (cases[i].op == KORO_SEL_SEND)
            c->sq[c->sqn++] = (struct mwait){who, i};
        else
            c->rq[c->rqn++] = (struct mwait){who, i};
    }
    m->co[who].where = W_BLOCKED;
    m->co[who].pending = P_BLOCK;
}

static int
case_ready(const struct model *m, const struct m_case *x)
{
    const struct mch *c;

    if (x->ch < 0)
        return 0;
    c = &m->ch[x->ch];
    if (x->op == KORO_SEL_SEND)
        return c->closed || c->rqn || c->cnt < c->cap;
    return c->cnt || c->sqn || c->closed;
}

/* Returns 1 if the running coroutine blocked. */
static int
m_select(struct model *m, int who, int pc, const struct m_op *o)
{
    int ready[M_MAXCASES], nr = 0, i, pick, res, v = M_NOVAL;
    const struct m_ev *e;

    for (i = 0; i < o->ncases; i++)
        if (case_ready(m, &o->cases[i]))
            ready[nr++] = i;
    if (!nr) {
        if (o->timeout == 0) {
            emit(m, who, pc, KORO_EAGAIN, M_NOVAL, M_NOVAL);
            return 0;
        }
        if (!can_block(m)) {
            emit(m, who, pc, KORO_ENOSCHED, M_NOVAL, M_NOVAL);
            return 0;
        }
        if (m->st)
            m->st->blocked_selects++;
        block_on(m, who, o->cases, o->ncases);
        return 1;
    }
    /* Several ready: the library chooses at random; follow its choice
     * if that case is ready here too. */
    pick = ready[0];
    if (nr > 1) {
        if (m->st)
            m->st->multi_ready++;
        e = peek(m);
        if (e && e->who == who && e->pc == pc)
            for (i = 0; i < nr; i++)
                if (ready[i] == e->rc)
                    pick = e->rc;
    }
    if (o->cases[pick].op == KORO_SEL_SEND)
        res = send_now(m, o->cases[pick].ch, send_val(who, pc, pick));
    else
        res = recv_now(m, o->cases[pick].ch, &v);
    emit(m, who, pc, pick, res, v);
    return 0;
}

/* A send or receive of `who` on channel ch found no partner: with a zero
 * timeout it times out, where nothing may block it fails with
 * KORO_ENOSCHED, else it blocks on that one case.  Returns 1 if it
 * blocked, else 0 with *rc set. */
static int
m_wait_one(struct model *m, int who, int ch, int op, int zero_timeout, int *rc)
{
    struct m_case c = {ch, op};

    if (zero_timeout) {
        *rc = KORO_ETIMEDOUT;
    } else if (!can_block(m)) {
        *rc = KORO_ENOSCHED;
    } else {
        block_on(m, who, &c, 1);
        return 1;
    }
    return 0;
}

/* Execute operation pc of `who`: log it and return 0, or return 1 if it
 * switched away (yield or block; it logs when it runs again). */
static int
m_exec(struct model *m, int who, int pc, const struct m_op *o)
{
    struct mco *k = who == M_MAIN ? NULL : &m->co[who];
    int v = M_NOVAL, rc;

    switch (o->kind) {
    case M_YIELD:
        if (!k) {
            rc = KORO_ENOTCORO;
            break;
        }
        k->pending = P_YIELD;
        return 1;
    case M_SLEEP0:
    case M_SLEEP:
        if (!can_block(m)) {
            rc = KORO_ENOSCHED;
            break;
        }
        k->pending = P_YIELD;
        if (o->kind == M_SLEEP) {
            k->where = W_SLEEPING;
            k->key = m->seq;
            m->sl[m->sln++] = who;
        }
        return 1;
    case M_SEND:
    case M_TRYSEND:
    case M_SENDT0:
        rc = send_now(m, o->a, send_val(who, pc, 0));
        if (rc == KORO_EAGAIN && o->kind != M_TRYSEND &&
            m_wait_one(m, who, o->a, KORO_SEL_SEND, o->kind == M_SENDT0, &rc))
            return 1;
        break;
    case M_RECV:
    case M_TRYRECV:
    case M_RECVT0:
        rc = recv_now(m, o->a, &v);
        if (rc == KORO_EAGAIN && o->kind != M_TRYRECV &&
            m_wait_one(m, who, o->a, KORO_SEL_RECV, o->kind == M_RECVT0, &rc))
            return 1;
        break;
    case M_SELECT:
        return m_select(m, who, pc, o);
    case M_CLOSE:
        rc = m_close(m, o->a);
        break;
    case M_SPAWN:
        rc = m_spawn(m, o->a);
        break;
    case M_FINI:
        rc = m_fini(m, o->a);
        break;
    case M_RESUME:
        rc = m_resume(m, o->a);
        break;
    case M_STATUS:
        rc = m_status(m, o->a);
        break;
    case M_LEN:
        rc = m->ch[o->a].cnt;
        break;
    case M_RUN:
        rc = KORO_EBUSY;
        break;
    case M_SELF:
        rc = who == M_MAIN ? -1 : who;
        v = can_block(m);
        break;
    default:
        rc = -999;
    }
    emit(m, who, pc, rc, v, M_NOVAL);
    return 0;
}

/* k has just been switched to: log what it was waiting for, then run
 * its script until it switches away or ends. */
static void
m_run(struct model *m, int k)
{
    struct mco *c = &m->co[k];
    const struct m_script *s = &m->p->co[k];

    switch (c->pending) {
    case P_BEGIN:
        emit(m, k, M_PC_BEGIN, 0, M_NOVAL, M_NOVAL);
        break;
    case P_YIELD:
        emit(m, k, c->pc, 0, M_NOVAL, M_NOVAL);
        c->pc++;
        break;
    case P_BLOCK: {
        const struct m_op *o = op_of(m, k, c->pc);

        if (o->kind == M_SELECT)
            emit(m, k, c->pc, c->fired, c->res,
                 o->cases[c->fired].op == KORO_SEL_RECV ? c->val : M_NOVAL);
        else
            emit(m, k, c->pc, c->res, c->val, M_NOVAL);
        c->pc++;
        break;
    }
    }
    c->where = W_NONE;
    while (!m->bad) {
        if (c->pc >= s->n) {
            emit(m, k, M_PC_END, 0, M_NOVAL, M_NOVAL);
            c->dead = 1;
            return;
        }
        if (m_exec(m, k, c->pc, &s->op[c->pc]))
            return;
        c->pc++;
    }
}

/* The scheduler loop.  The next coroutine is the head of the run queue,
 * or the first sleeper if it could have woken by now (see model.h). */
static int
m_sched_run(struct model *m)
{
    const struct m_ev *e;
    int k, rc = 0;

    m->in_sched = 1;
    while (!m->bad) {
        e = peek(m);
        if (m->qn == 0 && m->sln == 0) {
            rc = m->live ? KORO_EDEADLK : 0;
            if (rc && m->st)
                m->st->deadlocks++;
            break;
        }
        if (m->sln &&
            (m->qn == 0 || (e && e->who == m->sl[0] &&
                            m->co[m->q[0]].key > m->co[m->sl[0]].key))) {
            k = m->sl[0];
            list_del(m->sl, &m->sln, k);
            if (m->st)
                m->st->sleeper_wakes++;
        } else {
            k = m->q[0];
            list_del(m->q, &m->qn, k);
        }
        m->co[k].started = 1;
        m->chain[0] = k;
        m->depth = 1;
        m_run(m, k);
        m->depth = 0;
        if (m->co[k].dead)
            release(m, k);
        else if (m->co[k].where == W_NONE)
            runq_push(m, k); /* it yielded */
    }
    m->in_sched = 0;
    return rc;
}

int
m_check(const struct m_prog *p, const struct m_trace *t, struct m_stats *st,
        char *why, size_t whylen)
{
    struct model *m = calloc(1, sizeof *m);
    int i, r, bad;

    if (!m) {
        snprintf(why, whylen, "out of memory");
        return 1;
    }
    m->p = p;
    m->lib = t;
    m->st = st;
    m->why = why;
    m->whylen = whylen;
    for (i = 0; i < p->nch; i++)
        m->ch[i].cap = p->cap[i];
    if (t->overflow)
        diverge(m, "the library's trace overflowed (%d events)", M_MAXEV);
    for (r = 0; r < p->nrounds && !m->bad; r++) {
        for (i = 0; i < p->main[r].n && !m->bad; i++)
            m_exec(m, M_MAIN, main_pc(r, i), &p->main[r].op[i]);
        if (!m->bad) {
            int rc = m_sched_run(m);

            emit(m, M_MAIN, M_PC_RUN, rc, r, M_NOVAL);
        }
    }
    for (i = 0; i < M_NK && !m->bad; i++) {
        int s;

        if (!in_prog(p, i))
            continue;
        s = m_status(m, i);
        emit(m, M_MAIN, M_PC_FSTATUS + i, s, M_NOVAL, M_NOVAL);
        if (s == KORO_SUSPENDED)
            emit(m, M_MAIN, M_PC_FFINI + i, m_fini(m, i), M_NOVAL, M_NOVAL);
    }
    for (i = 0; i < p->nch && !m->bad; i++)
        emit(m, M_MAIN, M_PC_FLEN + i, m->ch[i].cnt, M_NOVAL, M_NOVAL);
    if (!m->bad && m->pos != t->n)
        diverge(m, "event %d: the library logged more events than the model",
                m->pos);
    if (st) {
        st->programs++;
        st->events += t->n;
        st->ops += m_size(p);
        for (i = 0; i < t->n; i++)
            st->ops_run += t->ev[i].pc >= 0 && t->ev[i].pc < M_PC_FSTATUS;
    }
    bad = m->bad;
    free(m);
    return bad;
}

/* ------------------------------------------------------------------ */
/* Shrinking. */

int
m_diverges(const struct m_prog *p, int tries, char *why, size_t whylen)
{
    static struct m_trace t;
    int i;

    for (i = 0; i < tries; i++) {
        if (m_lib_run(p, &t)) {
            snprintf(why, whylen, "setup failed");
            return 1;
        }
        if (m_check(p, &t, NULL, why, whylen))
            return 1;
    }
    return 0;
}

static void
del_op(struct m_script *s, int i)
{
    memmove(&s->op[i], &s->op[i + 1], sizeof s->op[0] * (size_t)(s->n - i - 1));
    s->n--;
}

/* Try deleting each operation of s in turn; keep the deletions after
 * which p still diverges.  Returns the number kept. */
static int
shrink_script(struct m_prog *p, struct m_script *s, int tries)
{
    char why[256];
    struct m_script save;
    int i, kept = 0;

    for (i = s->n - 1; i >= 0; i--) {
        save = *s;
        del_op(s, i);
        if (m_diverges(p, tries, why, sizeof why))
            kept++;
        else
            *s = save;
    }
    return kept;
}

/* Does any operation of p name coroutine k (ch < 0) or channel ch? */
static int
referenced(const struct m_prog *p, int k, int ch)
{
    const struct m_script *s;
    int i, j, c;

    for (i = 0; i < M_NK + M_MAXROUNDS; i++) {
        s = i < M_NK ? &p->co[i] : &p->main[i - M_NK];
        for (j = 0; j < s->n; j++) {
            const struct m_op *o = &s->op[j];

            switch (o->kind) {
            case M_SPAWN:
            case M_FINI:
            case M_RESUME:
            case M_STATUS:
                if (ch < 0 && o->a == k)
                    return 1;
                break;
            case M_SELECT:
                for (c = 0; c < o->ncases; c++)
                    if (ch >= 0 && o->cases[c].ch == ch)
                        return 1;
                break;
            case M_YIELD:
            case M_SLEEP0:
            case M_SLEEP:
            case M_RUN:
            case M_SELF:
                break;
            default:
                if (ch >= 0 && o->a == ch)
                    return 1;
            }
        }
    }
    return 0;
}

/* Drop the last scheduled coroutine, helper or channel when nothing
 * refers to it any more and p still diverges without it. */
static int
shrink_counts(struct m_prog *p, int tries)
{
    char why[256];
    int *n[3] = {&p->nco, &p->nh, &p->nch};
    int i, last, progress = 0;

    for (i = 0; i < 3; i++) {
        while (*n[i] > (i == 1 ? 0 : 1)) {
            last = *n[i] - 1;
            if (i < 2 && (p->co[i ? M_MAXCO + last : last].n ||
                          referenced(p, i ? M_MAXCO + last : last, -1)))
                break;
            if (i == 2 && referenced(p, -1, last))
                break;
            --*n[i];
            if (!m_diverges(p, tries, why, sizeof why)) {
                ++*n[i];
                break;
            }
            progress = 1;
        }
    }
    return progress;
}

void
m_shrink(struct m_prog *p, int tries)
{
    char why[256];
    int i, progress = 1;

    while (progress) {
        progress = 0;
        /* Fewer rounds first: they take whole scripts with them. */
        while (p->nrounds > 1) {
            p->nrounds--;
            if (m_diverges(p, tries, why, sizeof why)) {
                progress = 1;
            } else {
                p->nrounds++;
                break;
            }
        }
        for (i = 0; i < M_NK; i++)
            if (in_prog(p, i))
                progress |= shrink_script(p, &p->co[i], tries) > 0;
        for (i = 0; i < p->nrounds; i++)
            progress |= shrink_script(p, &p->main[i], tries) > 0;
        progress |= shrink_counts(p, tries);
    }
}
