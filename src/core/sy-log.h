/* sy-log.h: structured logging with secret masking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void   sy_log_init              (gboolean    debug);
void   sy_log_set_debug         (gboolean    debug);
gboolean sy_log_get_debug       (void);

/* g_debug() that costs one test when debug logging is off: GLib formats
 * a message before any writer can drop it, and these run on every
 * request. */
#define sy_debug(...)                          \
  G_STMT_START {                               \
    if (G_UNLIKELY (sy_log_get_debug ()))      \
      g_debug (__VA_ARGS__);                   \
  } G_STMT_END
void   sy_log_add_secret        (const char *secret);
/* A secret no longer in use (a replaced token): no longer looked for. */
void   sy_log_remove_secret     (const char *secret);
void   sy_log_clear_secrets     (void);
char  *sy_log_mask_secrets      (const char *text);
char  *sy_mask_secret           (const char *secret);

/* The last lines logged, as main.log has them (ISO-8601 time with zone,
 * level, domain, masked message), oldest first: at most @max of them, and
 * never more than the SY_LOG_RECENT_LINES kept. NULL-terminated. */
#define SY_LOG_RECENT_LINES 500
char **sy_log_dup_recent        (guint       max);

/* Hears every line as it is logged: @line as sy_log_dup_recent() has it
 * (masked), @level its GLib level. Called on the thread that logged,
 * under the log's lock, in the order the lines were remembered: it must
 * be quick, must not log, and must not add or remove listeners. Nor may
 * it take a main context's lock (g_idle_add, g_source_attach,
 * g_main_context_invoke): GLib logs with that lock held, so the listener
 * may run inside it, or another thread may hold it and wait for the log's
 * lock. Hand the line over with a lock of its own and
 * g_main_context_wakeup() (a source of the context's thread, attached
 * beforehand, picks it up). @destroy runs on
 * @user_data once the listener is removed; after sy_log_remove_listener()
 * returns the listener is not running and will not run again. */
typedef void (*SyLogListener) (GLogLevelFlags  level,
                               const char     *line,
                               gpointer        user_data);

guint  sy_log_add_listener      (SyLogListener   func,
                                 gpointer        user_data,
                                 GDestroyNotify  destroy);
/* The same, and at the same instant the last @max lines (as
 * sy_log_dup_recent()) in @recent: each line is either there or heard by
 * @func, never both, never neither. */
guint  sy_log_add_listener_with_recent (SyLogListener   func,
                                        gpointer        user_data,
                                        GDestroyNotify  destroy,
                                        guint           max,
                                        char         ***recent);
void   sy_log_remove_listener   (guint           id);

G_END_DECLS
