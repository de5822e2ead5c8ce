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

G_END_DECLS
