/* sy-quota-history.h: readings of quota windows over time (SQLite)
 *
 * Every quota reading the proxy sees (the headers of nearly every answer)
 * is offered with sy_quota_history_add(); the store keeps one when it
 * differs from the last one kept for that account and window (remaining
 * fraction, or reset time by more than SY_QUOTA_RESET_SLACK_US), or when
 * SY_QUOTA_HISTORY_INTERVAL_US passed since that one. Readings older than
 * the last one kept, and readings of unknown remaining, are not kept.
 *
 * Like the usage store (sy-usage.h) it is an SQLite file in WAL mode, 0600,
 * owned by one worker thread: adds never wait on the disk, writes go out in
 * one transaction at most a second after they came, queries see every add
 * made before them and complete on the caller's thread-default main
 * context. Errors are SY_USAGE_ERROR. Times are µs since the epoch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-quota.h"

G_BEGIN_DECLS

#define SY_QUOTA_HISTORY_RETENTION_DEFAULT_DAYS 400
/* An unchanged reading is kept again after this long. */
#define SY_QUOTA_HISTORY_INTERVAL_US (G_GINT64_CONSTANT (5) * 60 * G_USEC_PER_SEC)

#define SY_TYPE_QUOTA_HISTORY (sy_quota_history_get_type ())
G_DECLARE_FINAL_TYPE (SyQuotaHistory, sy_quota_history, SY, QUOTA_HISTORY, GObject)

/* Opens (or creates) @path (the service uses
 * $XDG_DATA_HOME/switchyard/quota.db): the file is created 0600, missing
 * directories 0700. Synchronous, for start-up. */
SyQuotaHistory *sy_quota_history_new                (const char           *path,
                                                     GError              **error);

/* Never blocks: the reading is copied and queued; callable from any
 * thread. Ignored after sy_quota_history_close(). */
void            sy_quota_history_add                (SyQuotaHistory       *self,
                                                     const char           *account_id,
                                                     const SyQuotaWindow  *window);

/* Completes once everything added before the call is committed. */
void            sy_quota_history_flush_async        (SyQuotaHistory       *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        sy_quota_history_flush_finish       (SyQuotaHistory       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Shutdown: commits what is queued and closes the file. Later adds are
 * dropped, later queries fail with G_IO_ERROR_CLOSED. Idempotent; also done
 * when the last reference goes. */
void            sy_quota_history_close              (SyQuotaHistory       *self);

/* Readings older than @days are deleted (on the worker, now and hourly).
 * 0 keeps everything. Default SY_QUOTA_HISTORY_RETENTION_DEFAULT_DAYS. */
void            sy_quota_history_set_retention_days (SyQuotaHistory       *self,
                                                     guint                 days);

/* The readings observed in [@from_us, @to_us) of @account_id and @window_id
 * (NULL: all), oldest first:
 *   {"accounts":[{"account":..,"windows":[{"id":..,"label":..,"model"?:..,
 *     "points":[{"t":..,"remaining":..,"reset_at"?:..}]}]}]}
 * Accounts and windows sorted by id; label and model are the latest
 * reading's; reset_at is left out when the reading had none. */
void            sy_quota_history_query_async        (SyQuotaHistory       *self,
                                                     const char           *account_id,
                                                     const char           *window_id,
                                                     gint64                from_us,
                                                     gint64                to_us,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
JsonNode       *sy_quota_history_query_finish       (SyQuotaHistory       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* What is kept, per account and window (of @account_id, NULL: all):
 *   {"accounts":[{"account":..,"windows":[{"id":..,"label":..,"model"?:..,
 *     "first":..,"last":..,"count":..}]}]}
 * first and last: when the oldest and the newest kept reading was taken. */
void            sy_quota_history_range_async        (SyQuotaHistory       *self,
                                                     const char           *account_id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
JsonNode       *sy_quota_history_range_finish       (SyQuotaHistory       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* sy_quota_forecast() over the kept readings of one window up to @now_us
 * (those of its last window length, a week and a day when unknown). The
 * finish call returns FALSE only on error; *exhausted_us is when the window
 * runs out at the present pace, 0 when it does not before it resets or
 * when there is too little to tell. */
void            sy_quota_history_forecast_async     (SyQuotaHistory       *self,
                                                     const char           *account_id,
                                                     const char           *window_id,
                                                     gint64                now_us,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        sy_quota_history_forecast_finish    (SyQuotaHistory       *self,
                                                     GAsyncResult         *result,
                                                     gint64               *exhausted_us,
                                                     GError              **error);

G_END_DECLS
