# korutin-gdb.py - gdb commands for programs that use libkorutin.
#
# Installed where gdb auto-loads it for the library
# ($datadir/gdb/auto-load$libdir/libkorutin.so.N.N.N-gdb.py); load it by
# hand with `source korutin-gdb.py`.  Needs the library's debug info.
#
#   koro list [SCHED...]   the coroutines this thread knows: the chain of
#                          running and normal ones, then every coroutine
#                          of the schedulers it is running (and of the
#                          schedulers given as expressions): runnable,
#                          blocked on what, sleeping until when.
#   koro bt COROUTINE [BT-ARGS]
#                          the backtrace of a suspended coroutine, given
#                          by address (an expression) or by name, from its
#                          saved context, without resuming it (asm backend
#                          on x86-64; the others cannot).
#
# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.

import time

import gdb

STATUS = {1: "suspended", 2: "running", 3: "normal", 4: "dead"}
# koro-int.h: a 22-bit tag above two mark bits and the status byte.
TAG_MASK = 0xFFFFFC00
TAG = 0x9E3D5C00
SF_BLOCKED = 0x00040000
SF_CANCELED = 0x00100000
SF_NOCANCEL = 0x00200000
SEL_SEND = 1
MAGIC = {"mutex": 0x4B4D5458, "cond": 0x4B434E44, "wg": 0x4B574752}
LIMIT = 1000000  # walking a list longer than this means it is corrupt


def _type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise gdb.GdbError(
            "koro: type '%s' not found: is libkorutin loaded, with its "
            "debug info?" % name
        )


def _koro_ptr(v):
    return v.cast(_type("koro_t").pointer())


def _name(k):
    n = k["koro_name_"]
    if int(n) == 0:
        return "-"
    try:
        return n.string(errors="replace")[:64]
    except gdb.error:
        return "?"


def _valid(k):
    try:
        return (int(k["koro_state_"]) & TAG_MASK) == TAG
    except gdb.MemoryError:
        return False


def _status(k):
    if not _valid(k):
        return "invalid"
    return STATUS.get(int(k["koro_state_"]) & 0x7F, "?")


def _symbol(addr):
    s = gdb.execute("info symbol %#x" % addr, to_string=True)
    return s.split()[0] if s and not s.startswith("No symbol") else "%#x" % addr


def _tls_cur():
    try:
        return gdb.parse_and_eval("koro__tls.cur")
    except gdb.error:
        return None


def _running_schedulers():
    """The innermost scheduler the thread runs (the outer ones are found
    through the running chain)."""
    try:
        s = gdb.parse_and_eval("koro__sched_running")
    except gdb.error:
        return []
    return [s] if int(s) != 0 else []


def _chain():
    """The running coroutine and its resumers, innermost first."""
    out = []
    k = _tls_cur()
    n = 0
    while k is not None and int(k) != 0 and n < LIMIT:
        if int(k["koro_lo_"]) == 0:  # the thread's own context
            break
        out.append(k)
        k = k["koro_parent_"]
        n += 1
    return out


def _deadline(w):
    d = int(w["deadline"])
    if d >= (1 << 64) - 1:
        return "for ever"
    left = d - time.monotonic_ns()
    return "until %d (in %.3f ms)" % (d, left / 1e6)


def _sync_object(w):
    """What a sync.c wait record waits on: (kind, address)."""
    sw = w.cast(_type("struct sync_wait").pointer())
    q = int(sw["q"])
    if q == 0:
        return ("nothing", 0)
    for kind, tname in (("mutex", "koro_mutex_t"), ("cond", "koro_cond_t"),
                        ("wg", "koro_wg_t")):
        t = _type(tname)
        off = [f.bitpos // 8 for f in t.fields() if f.name == "koro_waitq_"][0]
        obj = gdb.Value(q - off).cast(t.pointer())
        try:
            if int(obj["koro_magic_"]) == MAGIC[kind]:
                return (kind, obj)
        except gdb.MemoryError:
            pass
    return ("?", q)


def _describe(w, k):
    """What the blocked coroutine k waits on, from its wait record w."""
    n = int(w["n"])
    unlink = int(w["unlink"])
    parts = []
    if n > 0:
        cases = []
        for i in range(n):
            c = w["cases"][i]
            if int(c["koro_waiter_"]) == 0:
                continue
            op = "send to" if int(c["op"]) == SEL_SEND else "receive from"
            cases.append("%s channel %#x" % (op, int(c["chan"])))
        what = ", ".join(cases) if cases else "nothing"
        parts.append(("select: " + what) if n > 1 else what)
    elif unlink == 0:
        parts.append("sleep" if int(w["timed"]) else "nothing (select of 0)")
    elif _symbol(unlink) == "sync_unlink":
        kind, obj = _sync_object(w)
        if kind == "mutex":
            owner = _koro_ptr(obj["koro_owner_"])
            who = "%#x" % int(owner)
            if int(owner) != 0 and _valid(owner):
                who += " (%s)" % _name(owner)
            again = int(k["koro_flags_"]) & SF_NOCANCEL
            parts.append("%smutex %#x held by %s"
                         % ("re-lock of " if again else "lock of ",
                            int(obj), who))
        elif kind == "cond":
            parts.append("condition variable %#x" % int(obj))
        elif kind == "wg":
            parts.append("wait group %#x (count %d)"
                         % (int(obj), int(obj["koro_count_"])))
        else:
            parts.append("sync object %#x" % int(obj))
    else:
        parts.append("wait in %s" % _symbol(unlink))
    if int(w["timed"]) and (n > 0 or unlink != 0):
        parts.append("timeout " + _deadline(w))
    elif int(w["timed"]):
        parts[-1] += " " + _deadline(w)
    return "; ".join(parts)


def _sched_entries(s):
    """(koro_t pointer, state, note) for every coroutine of scheduler s."""
    out = []
    cur = s["koro_cur_"]
    if int(cur) != 0:
        out.append((cur, "running", ""))
    k = s["koro_head_"]
    n = 0
    while int(k) != 0 and n < LIMIT:
        out.append((k, "runnable", ""))
        k = k["koro_next_"]
        n += 1
    wt = _type("struct koro__waiter").pointer()
    w = s["koro_blocked_"].cast(wt)
    n = 0
    while int(w) != 0 and n < LIMIT:
        k = w["k"]
        out.append((k, "blocked", _describe(w, k)))
        w = w["bnext"].cast(wt)
        n += 1
    return out


def _line(k, state, note=""):
    lo, hi = int(k["koro_lo_"]), int(k["koro_hi_"])
    flags = int(k["koro_flags_"]) if _valid(k) else 0
    if flags & SF_CANCELED:
        note = (note + " " if note else "") + "[cancelled]"
    gdb.write("  %#-16x %-14s %-9s %-9s [%#x, %#x)%s\n"
              % (int(k), _name(k)[:14], _status(k), state, lo, hi,
                 ("  " + note) if note else ""))


def _all_known(extra=()):
    """Every coroutine this thread knows: [(k, state, note)], and the
    schedulers they come from."""
    seen, out, scheds = set(), [], []
    for k in _chain():
        out.append((k, "chain", ""))
        s = k["koro_sched_"]
        if int(s) != 0:
            scheds.append(s.cast(_type("koro_sched_t").pointer()))
    scheds = _running_schedulers() + scheds + list(extra)
    uniq = []
    for s in scheds:
        if int(s) not in seen:
            seen.add(int(s))
            uniq.append(s)
    return out, uniq


class KoroPrefix(gdb.Command):
    """libkorutin commands: koro list, koro bt."""

    def __init__(self):
        super(KoroPrefix, self).__init__("koro", gdb.COMMAND_STACK,
                                         gdb.COMPLETE_NONE, True)


class KoroList(gdb.Command):
    """List the coroutines this thread knows.
Usage: koro list [SCHED-EXPR...]
The chain of running and normal coroutines (from the thread's current
coroutine through its resumers), then every coroutine of each scheduler
the thread is running and of each scheduler given: running, runnable, or
blocked and on what.  Columns: address, name, status, role, stack range."""

    def __init__(self):
        super(KoroList, self).__init__("koro list", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        extra = [gdb.parse_and_eval(a).cast(_type("koro_sched_t").pointer())
                 for a in gdb.string_to_argv(arg)]
        chain, scheds = _all_known(extra)
        gdb.write("backend: %s\n" % _backend())
        gdb.write("running chain (innermost first):\n")
        if not chain:
            gdb.write("  (the thread's own context)\n")
        for k, _, _ in chain:
            _line(k, "chain")
        for s in scheds:
            gdb.write("scheduler %#x%s, %d live:\n"
                      % (int(s), " (running)" if int(s["koro_running_"])
                         else "", int(s["koro_live_"])))
            for k, state, note in _sched_entries(s):
                _line(k, state, note)


def _backend():
    try:
        return gdb.parse_and_eval("(const char *)koro__bk_name").string()
    except gdb.error:
        return "?"


def _find(arg):
    chain, scheds = _all_known()
    for k, _, _ in chain:
        if _name(k) == arg:
            return k
    for s in scheds:
        for k, _, _ in _sched_entries(s):
            if _name(k) == arg:
                return k
    try:
        return _koro_ptr(gdb.parse_and_eval(arg))
    except gdb.error:
        raise gdb.GdbError("koro bt: no coroutine named or at '%s'" % arg)


# The saved frame of the x86-64 System V switch (lib/arch/x86_64-sysv.S),
# from the saved stack pointer up: FP control slot, r15, r14, r13, r12,
# rbx, rbp, resume address.
X86_64_FRAME = ("r15", "r14", "r13", "r12", "rbx", "rbp")


class KoroBt(gdb.Command):
    """Backtrace of a suspended coroutine, without resuming it.
Usage: koro bt COROUTINE [BT-ARGS]
COROUTINE is a name (as koro list shows it) or an expression giving its
koro_t.  The registers of the selected thread are pointed at the
coroutine's saved context for the backtrace and restored afterwards.
Works with the asm backend on x86-64 System V; other backends cannot."""

    def __init__(self):
        super(KoroBt, self).__init__("koro bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if not argv:
            raise gdb.GdbError("usage: koro bt COROUTINE [BT-ARGS]")
        bk = _backend()
        if not bk.startswith("asm x86_64-sysv"):
            raise gdb.GdbError(
                "koro bt: cannot read a saved context under the '%s' backend "
                "(only asm on x86-64 System V); under the threads backends "
                "every coroutine is an OS thread: use thread apply all bt" % bk)
        k = _find(argv[0])
        st = _status(k)
        if st == "running":
            raise gdb.GdbError("koro bt: %#x is running: use bt" % int(k))
        if st not in ("suspended", "normal"):
            raise gdb.GdbError("koro bt: %#x is %s: it has no saved context"
                               % (int(k), st))
        sp = int(k["koro_ctx_"])
        u64 = _type("unsigned long").pointer()
        saved = {}
        for i, r in enumerate(X86_64_FRAME):
            saved[r] = int(gdb.Value(sp + 8 * (i + 1)).cast(u64).dereference())
        saved["rip"] = int(gdb.Value(sp + 56).cast(u64).dereference())
        saved["rsp"] = sp + 64
        gdb.write("coroutine %#x (%s), %s, saved context at %#x:\n"
                  % (int(k), _name(k), st, sp))
        try:
            level = gdb.selected_frame().level()
        except (gdb.error, AttributeError):
            level = 0
        gdb.execute("frame 0", to_string=True)
        f0 = gdb.newest_frame()
        old = {r: int(f0.read_register(r)) for r in saved}
        try:
            for r, v in saved.items():
                gdb.execute("set $%s = %#x" % (r, v), to_string=True)
            gdb.execute("bt " + " ".join(argv[1:]))
        finally:
            gdb.execute("frame 0", to_string=True)
            for r, v in old.items():
                gdb.execute("set $%s = %#x" % (r, v), to_string=True)
            gdb.execute("frame %d" % level, to_string=True)


KoroPrefix()
KoroList()
KoroBt()
