/* sy-usage.h: the persistent usage store (one row per proxied request)
 *
 * Requests are recorded into an SQLite file (WAL mode), or into a
 * PostgreSQL database that several instances share. The caller never waits
 * on the database: sy_usage_store_add() copies the record onto a queue and
 * returns; one worker thread owns the connection, writes what is queued in
 * one transaction at most a second after it was added (so a crash loses at
 * most about a second), keeps a daily roll-up (UTC day x model x account x
 * key) in the same transaction, prunes raw rows past the retention and
 * answers queries. Query results come back on the caller's thread-default
 * main context, as GTask results; both databases give the same JSON.
 *
 * Nothing secret is stored: key_id is whatever the caller gives (a hash of
 * the client key), key_label a masked form for display.
 *
 * A request is "failed" when its final status is 0 (no answer) or >= 400.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-config.h"

G_BEGIN_DECLS

#define SY_USAGE_DAY_US        (G_GINT64_CONSTANT (86400000000))
#define SY_USAGE_RETENTION_DEFAULT_DAYS 400

#define SY_USAGE_ERROR (sy_usage_error_quark ())

typedef enum
{
  SY_USAGE_ERROR_OPEN,        /* the file or its directory cannot be created or opened;
                                 the PostgreSQL server refuses or cannot be reached at start */
  SY_USAGE_ERROR_CORRUPT,     /* the file is not an SQLite database, or is damaged */
  SY_USAGE_ERROR_VERSION,     /* written by a newer Switchyard (unknown schema) */
  SY_USAGE_ERROR_FAILED,      /* any other database failure */
  SY_USAGE_ERROR_UNAVAILABLE, /* the PostgreSQL server went away; records wait for it */
  SY_USAGE_ERROR_UNSUPPORTED, /* built without PostgreSQL support */
  SY_USAGE_ERROR_CONFIG,      /* usage-store settings (or a DSN) that make no store */
} SyUsageError;

GQuark sy_usage_error_quark (void);

typedef struct
{
  gint64    time_us;          /* wall clock (g_get_real_time), when the request began */
  char     *key_id;           /* client API key: a hashed id, never the key */
  char     *key_label;        /* masked, e.g. "sk-...abcd" */
  char     *account_id;
  char     *provider;
  char     *model_asked;      /* what the client asked for */
  char     *model_served;     /* the upstream model name */
  char     *client_format;
  char     *upstream_format;
  gboolean  stream;
  guint     status;           /* final HTTP status; 0 when there was no answer */
  gint64    latency_us;
  gint64    ttfb_us;
  gint64    input_tokens;     /* each kept in 0..SY_USAGE_TOKENS_MAX */
  gint64    output_tokens;
  gint64    cached_tokens;
  gint64    reasoning_tokens;
  guint     retries;
} SyUsageRecord;

/* The most tokens of one kind a record keeps (a trillion, as the
 * translators' SY_IR_TOKENS_MAX): sy_usage_store_add() clamps counts to
 * 0..this, so that a total overflows only past some nine million records
 * all at the maximum. */
#define SY_USAGE_TOKENS_MAX G_GINT64_CONSTANT (1000000000000)

/* The key_id of a client API key: the first 16 hex digits of its SHA-256
 * (newly allocated). */
char          *sy_usage_key_id      (const char          *key);

SyUsageRecord *sy_usage_record_copy (const SyUsageRecord *record);
void           sy_usage_record_free (SyUsageRecord       *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyUsageRecord, sy_usage_record_free)

#define SY_TYPE_USAGE_STORE (sy_usage_store_get_type ())
G_DECLARE_FINAL_TYPE (SyUsageStore, sy_usage_store, SY, USAGE_STORE, GObject)

/* Opens (or creates) @path: the file is created 0600, missing directories
 * 0700. Synchronous, for start-up: a file that is not a usage database
 * fails here with SY_USAGE_ERROR_CORRUPT. */
SyUsageStore *sy_usage_store_new                (const char           *path,
                                                 GError              **error);

/* Connects to PostgreSQL (@dsn: "host=... dbname=..." or a postgresql://
 * URI) and creates the tables when missing (switchyard_usage_requests,
 * switchyard_usage_daily and switchyard_usage_schema); several instances
 * may start at once on one database and share its history. Synchronous,
 * for start-up. Error messages show the DSN with its password masked.
 * When the connection is lost later, records stay queued (at most 100000,
 * the oldest dropped past that, with a warning that counts them) and are
 * written once a reconnection, tried with each batch, succeeds; flushes
 * and queries fail with SY_USAGE_ERROR_UNAVAILABLE meanwhile.
 * Fails with SY_USAGE_ERROR_UNSUPPORTED when built without libpq. */
SyUsageStore *sy_usage_store_new_postgres       (const char           *dsn,
                                                 GError              **error);

/* The store that @config asks for: "usage-store: sqlite" (the default, at
 * @default_sqlite_path) or "postgres" with "usage-store-dsn" (else the
 * environment's SWITCHYARD_USAGE_DSN), retention "usage-retention-days"
 * (default 400, 0 keeps everything). @config may be NULL (all defaults). */
SyUsageStore *sy_usage_store_new_from_config    (SyConfig             *config,
                                                 const char           *default_sqlite_path,
                                                 GError              **error);

/* Never blocks: the record is copied and queued; callable from any thread.
 * Bytes of its strings that are not UTF-8 are stored as U+FFFD.
 * Ignored after sy_usage_store_close(). */
void          sy_usage_store_add                (SyUsageStore         *self,
                                                 const SyUsageRecord  *record);

/* Completes once everything added before the call is committed; fails
 * with SY_USAGE_ERROR_UNAVAILABLE when the PostgreSQL server cannot be
 * reached (the records stay queued). */
void          sy_usage_store_flush_async        (SyUsageStore         *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean      sy_usage_store_flush_finish       (SyUsageStore         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Shutdown: commits what is queued, waits for it, closes the file (records
 * that an unreachable PostgreSQL server cannot take are lost). Later
 * adds are dropped, later queries fail with G_IO_ERROR_CLOSED. Idempotent;
 * also done when the last reference goes. */
void          sy_usage_store_close              (SyUsageStore         *self);

/* Raw rows older than @days are deleted (on the worker, now and hourly);
 * the daily roll-ups are kept. 0 keeps everything. Default 400. */
void          sy_usage_store_set_retention_days (SyUsageStore         *self,
                                                 guint                 days);

/* Buckets of @step_us from @from_us (included) to @to_us (excluded),
 * grouped by @group: "model" (served, else asked), "account", "key" (key_id)
 * or NULL (one series, group null). A step below a day reads the raw rows;
 * a step of a day or more reads the daily roll-ups, and then from and to are
 * widened to whole UTC days. Only buckets with requests are listed:
 *   {"from":..,"to":..,"step":..,"series":[{"group":..,"points":[
 *     {"t":..,"requests":..,"failed":..,"input_tokens":..,"output_tokens":..}]}]}
 * Times are microseconds since the epoch. */
void          sy_usage_store_query_series_async (SyUsageStore         *self,
                                                 gint64                from_us,
                                                 gint64                to_us,
                                                 gint64                step_us,
                                                 const char           *group,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
JsonNode     *sy_usage_store_query_series_finish (SyUsageStore        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* The "usage" object of CLIProxyAPI's GET /v0/management/usage, built from
 * the raw rows since @since_us (0: all that retention kept). Days and hours
 * are in local time. "apis" is keyed by key_label (else key_id, else the
 * provider, else "unknown"), "models" by the served model (else the one asked for, else "unknown"). */
void          sy_usage_store_snapshot_async     (SyUsageStore         *self,
                                                 gint64                since_us,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
JsonNode     *sy_usage_store_snapshot_finish    (SyUsageStore         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
