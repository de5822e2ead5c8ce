/* sy-clock.h: wall-clock time and one-shot timers, replaceable in tests
 *
 * Cooldowns end at wall-clock times (they survive a restart), and retries
 * wait for them. Both go through a SyClock so that tests can move time
 * forward instead of sleeping.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SyClock SyClock;
typedef void (*SyClockFunc) (gpointer user_data);

/* The real clock: g_get_real_time() and GLib timeouts on the thread-default context. */
SyClock  *sy_clock_new_system      (void);
/* A clock that moves only when told to (tests). It starts at @start_us. */
SyClock  *sy_clock_new_manual      (gint64       start_us);
SyClock  *sy_clock_ref             (SyClock     *self);
void      sy_clock_unref           (SyClock     *self);

gint64    sy_clock_now             (SyClock     *self);

/* The clock everything reads wall-clock time from unless given another:
 * the system clock, or a test's. set_default (NULL) restores the system
 * one. Main thread only. */
SyClock  *sy_clock_get_default     (void);
void      sy_clock_set_default     (SyClock     *clock);
/* Calls @func once after @delay_us; returns an id for sy_clock_cancel(). */
guint     sy_clock_add             (SyClock     *self,
                                    gint64       delay_us,
                                    SyClockFunc  func,
                                    gpointer     user_data);
/* The same, and @destroy gets @user_data once the timer is done with it:
 * after it ran, or when it is cancelled, or when the clock goes. */
guint     sy_clock_add_full        (SyClock       *self,
                                    gint64         delay_us,
                                    SyClockFunc    func,
                                    gpointer       user_data,
                                    GDestroyNotify destroy);
void      sy_clock_cancel          (SyClock     *self,
                                    guint        id);

/* Manual clocks only. advance() moves time and runs the timers now due, in
 * deadline order. With auto-advance, a timer does not wait: from an idle
 * callback the clock jumps to its deadline and runs it. */
void      sy_clock_advance         (SyClock     *self,
                                    gint64       delta_us);
void      sy_clock_set_auto_advance (SyClock    *self,
                                    gboolean     auto_advance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyClock, sy_clock_unref)

G_END_DECLS
