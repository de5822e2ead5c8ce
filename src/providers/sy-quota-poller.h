/* sy-quota-poller.h: reads the signed-in accounts' quota now and then, and
 * on demand
 *
 * While started, each account with a usage endpoint (sy_quota_reader_supports,
 * enabled and signed in) is read at most once per quota-refresh-interval
 * (default 600 s, at least 60 s; 0: only on demand), the accounts spread
 * over the interval.
 * A read that fails is kept as the account's last error and tried again at
 * the next interval, no sooner. On demand, a read already running is
 * joined, and a read that ended less than 30 s ago answers for a new one.
 *
 * Each reading goes to the account's state
 * (sy_account_state_update_quota_windows) and to the "read" signal, whose
 * handlers get (account id, GPtrArray of SyQuotaWindow*) and may keep a
 * reference to the array (it is not changed afterwards).
 *
 * The registry is the owner's: set it again whenever the config is
 * reloaded. Accounts are known by id across registries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-clock.h"
#include "sy-http-client.h"
#include "sy-quota-reader.h"
#include "sy-registry.h"

G_BEGIN_DECLS

#define SY_QUOTA_POLLER_DEFAULT_INTERVAL  600   /* seconds */
#define SY_QUOTA_POLLER_MIN_INTERVAL       60
#define SY_QUOTA_POLLER_FRESH_SECONDS      30   /* an on-demand read this recent answers */

#define SY_TYPE_QUOTA_POLLER (sy_quota_poller_get_type ())
G_DECLARE_FINAL_TYPE (SyQuotaPoller, sy_quota_poller, SY, QUOTA_POLLER, GObject)

/* @clock: NULL for the default clock (timers and reading times). */
SyQuotaPoller *sy_quota_poller_new            (SyHttpClient  *http,
                                               SyClock       *clock);
/* The accounts to read and the config (interval, endpoints) they come with;
 * NULL: none. Timers follow at once. */
void           sy_quota_poller_set_registry   (SyQuotaPoller *self,
                                               SyRegistry    *registry);
SyRegistry    *sy_quota_poller_get_registry   (SyQuotaPoller *self);
/* Timed reads run only between start and stop; on-demand reads always. */
void           sy_quota_poller_start          (SyQuotaPoller *self);
void           sy_quota_poller_stop           (SyQuotaPoller *self);
gboolean       sy_quota_poller_is_started     (SyQuotaPoller *self);
/* The interval in force, µs. */
gint64         sy_quota_poller_get_interval   (SyQuotaPoller *self);

/* Reads @account_id now (or all accounts with a usage endpoint when NULL),
 * within the rules above. For one account, the read's error if it fails:
 * G_IO_ERROR_NOT_FOUND (no such account), G_IO_ERROR_NOT_SUPPORTED, or
 * what sy_quota_reader_read_finish() says. For all, TRUE once every read
 * has ended (each one's error is kept as its account's last error). */
void           sy_quota_poller_refresh_async  (SyQuotaPoller *self,
                                               const char    *account_id,
                                               GCancellable  *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer       user_data);
gboolean       sy_quota_poller_refresh_finish (SyQuotaPoller *self,
                                               GAsyncResult  *result,
                                               GError       **error);

/* What the last read of @account_id gave: its windows (copies, free func
 * set; NULL when no read has succeeded), its error (NULL when it succeeded
 * or none ended yet), when it ended successfully (0: never), and when the
 * next timed read is due (0: none planned). */
GPtrArray     *sy_quota_poller_dup_windows    (SyQuotaPoller *self,
                                               const char    *account_id);
const GError  *sy_quota_poller_get_last_error (SyQuotaPoller *self,
                                               const char    *account_id);
gint64         sy_quota_poller_get_last_read  (SyQuotaPoller *self,
                                               const char    *account_id);
gint64         sy_quota_poller_get_next_read  (SyQuotaPoller *self,
                                               const char    *account_id);

G_END_DECLS
