/* sy-limits.h: per-client request rate and concurrency limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SyLimiter  SyLimiter;
typedef struct _SyLimitSlot SyLimitSlot;

typedef enum
{
  SY_LIMIT_OK,
  SY_LIMIT_RATE,          /* requests-per-minute spent */
  SY_LIMIT_CONCURRENT,    /* concurrent-requests all taken */
} SyLimitResult;

SyLimiter    *sy_limiter_new          (void);
SyLimiter    *sy_limiter_ref          (SyLimiter    *self);
void          sy_limiter_unref        (SyLimiter    *self);
/* One request of client @who (0 for a limit: none). SY_LIMIT_OK: *slot is
 * the request's place, to release once it is over (NULL when nothing is
 * limited); otherwise *retry_after_s says when to try again. @now_us is
 * wall-clock time (µs). */
SyLimitResult sy_limiter_acquire      (SyLimiter    *self,
                                       const char   *who,
                                       int           requests_per_minute,
                                       int           concurrent_requests,
                                       gint64        now_us,
                                       SyLimitSlot **slot,
                                       guint        *retry_after_s);
void          sy_limit_slot_release   (SyLimitSlot  *slot);
/* Clients remembered (tests: idle ones are forgotten). */
guint         sy_limiter_get_n_clients (SyLimiter   *self);
/* Requests of @who holding a slot now. */
guint         sy_limiter_get_in_flight (SyLimiter   *self,
                                        const char  *who);

/* Lockout of a client that keeps sending invalid keys: the
 * @max_failures-th failure within @ban_us of the one before bans @who for
 * @ban_us; a success forgets its failures. Memory bounded. */
typedef struct _SyLockout SyLockout;

SyLockout    *sy_lockout_new          (guint         max_failures,
                                       gint64        ban_us);
void          sy_lockout_free         (SyLockout   *self);
/* 0 when @who may try; otherwise the time (µs) its ban has left. */
gint64        sy_lockout_check        (SyLockout   *self,
                                       const char  *who,
                                       gint64       now_us);
/* Counts a failure; TRUE when it started a ban. */
gboolean      sy_lockout_fail         (SyLockout   *self,
                                       const char  *who,
                                       gint64       now_us);
void          sy_lockout_succeed      (SyLockout   *self,
                                       const char  *who);
guint         sy_lockout_get_n_offenders (SyLockout *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyLimiter, sy_limiter_unref)

G_END_DECLS
