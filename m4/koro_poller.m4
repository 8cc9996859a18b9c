# Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
# KORO_CHECK_POLLER
# -----------------
# The poller behind koro_fd_wait() (lib/poll-*.c): epoll on Linux, kqueue
# on the BSDs and macOS, poll(2) elsewhere; none on Windows and Emscripten
# (the fd calls return KORO_ENOSYS there).  --with-poller=NAME forces one.
# Defines KORO_POLLER_EPOLL or KORO_POLLER_KQUEUE (poll needs no define)
# and substitutes KORO_POLLER.
AC_DEFUN([KORO_CHECK_POLLER], [
  AC_ARG_WITH([poller],
    [AS_HELP_STRING([--with-poller=NAME],
                    [the poller of koro_fd_wait(): epoll, kqueue or poll
                     (default: the first of them this host has)])],
    [], [with_poller=auto])
  AC_CACHE_CHECK([for epoll], [koro_cv_epoll], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <sys/epoll.h>]], [[
      struct epoll_event ev;
      int fd = epoll_create1(EPOLL_CLOEXEC);
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = 0;
      return epoll_ctl(fd, EPOLL_CTL_ADD, 0, &ev) + epoll_wait(fd, &ev, 1, 0);
    ]])], [koro_cv_epoll=yes], [koro_cv_epoll=no])])
  AC_CACHE_CHECK([for kqueue], [koro_cv_kqueue], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
]], [[
      struct kevent ev;
      int kq = kqueue();
      EV_SET(&ev, 0, EVFILT_READ, EV_ADD, 0, 0, 0);
      return kevent(kq, &ev, 1, &ev, 1, 0);
    ]])], [koro_cv_kqueue=yes], [koro_cv_kqueue=no])])
  AC_CACHE_CHECK([for poll], [koro_cv_poll], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <poll.h>]], [[
      struct pollfd p;
      p.fd = 0; p.events = POLLIN;
      return poll(&p, 1, 0);
    ]])], [koro_cv_poll=yes], [koro_cv_poll=no])])
  case $host_os in
    mingw*|cygwin*|msys*|windows*) koro_cv_poll=no ;;
  esac
  AS_IF([test "x$KORO_BACKEND" = xemscripten || test "x$host_os" = xemscripten],
        [koro_cv_epoll=no koro_cv_kqueue=no koro_cv_poll=no])
  KORO_POLLER=none
  AS_CASE([$with_poller],
    [auto], [AS_IF([test "x$koro_cv_epoll" = xyes], [KORO_POLLER=epoll],
                   [test "x$koro_cv_kqueue" = xyes], [KORO_POLLER=kqueue],
                   [test "x$koro_cv_poll" = xyes], [KORO_POLLER=poll])],
    [epoll|kqueue|poll],
      [AS_IF([eval test "x\$koro_cv_$with_poller" = xyes],
             [KORO_POLLER=$with_poller],
             [AC_MSG_ERROR([--with-poller=$with_poller: this host has no $with_poller (see config.log)])])],
    [AC_MSG_ERROR([--with-poller=$with_poller: say epoll, kqueue or poll])])
  AS_CASE([$KORO_POLLER],
    [epoll], [AC_DEFINE([KORO_POLLER_EPOLL], [1], [Define to wait on fds with epoll.])],
    [kqueue], [AC_DEFINE([KORO_POLLER_KQUEUE], [1], [Define to wait on fds with kqueue.])])
  AC_SUBST([KORO_POLLER])
  AM_CONDITIONAL([HAVE_POLLER], [test "x$KORO_POLLER" != xnone])
])
