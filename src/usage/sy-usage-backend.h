/* sy-usage-backend.h: what the usage store's worker asks of a database
 *
 * Private to src/usage. The worker thread (sy-usage.c) owns one backend
 * and is the only thread that calls it, after the constructor returned.
 * It keeps the batching, the roll-up arithmetic, the retention clock and
 * the JSON of the results; a backend only stores rows and reads them back
 * in the order asked, so every backend answers with the same JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-usage.h"

G_BEGIN_DECLS

/* One row of the daily roll-up, or what a batch adds to it. */
typedef struct
{
  gint64      day;              /* UTC days since the epoch */
  const char *model;            /* served, else asked */
  const char *account_id;
  const char *key_id;
  gint64      requests;
  gint64      failed;
  gint64      input_tokens;
  gint64      output_tokens;
  gint64      cached_tokens;
  gint64      reasoning_tokens;
} SyUsageRollup;

typedef struct
{
  gint64      from_us;          /* already widened to whole days when daily */
  gint64      to_us;
  gint64      step_us;
  const char *group;            /* "model", "account", "key" or NULL (checked) */
  gboolean    daily;            /* read the roll-ups rather than the raw rows */
} SyUsageSeriesQuery;

/* A bucket: rows come ordered by group (bytewise, NULL group alone) then
 * bucket, bucket = (start - from_us) / step_us. */
typedef struct
{
  const char *group;            /* NULL for the ungrouped series */
  gint64      bucket;
  gint64      requests;
  gint64      failed;
  gint64      input_tokens;
  gint64      output_tokens;
} SyUsageSeriesRow;

/* A raw row for the snapshot: rows come ordered by time, then by the order
 * they were written. Strings are never NULL. */
typedef struct
{
  gint64      time_us;
  const char *key_label;
  const char *key_id;
  const char *provider;
  const char *model_served;
  const char *account_id;
  gint64      latency_us;
  guint       status;
  gint64      input_tokens;
  gint64      output_tokens;
  gint64      reasoning_tokens;
  gint64      cached_tokens;
} SyUsageSnapshotRow;

/* The model of a raw row, as both databases read it: served, else asked. */
#define SY_USAGE_MODEL_SQL "CASE WHEN model_served <> '' THEN model_served ELSE model_asked END"

/* The columns of the raw rows a snapshot reads, in SyUsageSnapshotRow's order. */
#define SY_USAGE_SNAPSHOT_COLUMNS                                               \
  "time_us, key_label, key_id, provider, " SY_USAGE_MODEL_SQL ", account_id,"   \
  " latency_us, status, input_tokens, output_tokens, reasoning_tokens, cached_tokens"

/* What a series groups by, in SQL both databases read: a column of the
 * daily roll-ups (@daily) or of the raw rows, or a text NULL for no group.
 * @group is one of those SyUsageSeriesQuery allows. */
const char *sy_usage_group_column (const char *group,
                                   gboolean    daily);

typedef void (*SyUsageSeriesFunc)   (const SyUsageSeriesRow   *row,
                                     gpointer                  user_data);
typedef void (*SyUsageSnapshotFunc) (const SyUsageSnapshotRow *row,
                                     gpointer                  user_data);

typedef struct _SyUsageBackend SyUsageBackend;

/* Every call fails with SY_USAGE_ERROR_UNAVAILABLE when the database cannot
 * be reached now (a later call may succeed: the worker keeps the batch),
 * with another code when retrying the same thing would fail again. */
typedef struct
{
  const char *name;
  /* Makes the connection usable again after it was lost; a no-op when it
   * is (the constructors open, and create the schema). */
  gboolean (*open)     (SyUsageBackend            *self,
                        GError                   **error);
  /* In one transaction: every record as a raw row, and @rollups added to
   * the daily rows (created when missing). All or nothing. */
  gboolean (*write)    (SyUsageBackend            *self,
                        GPtrArray                 *records,
                        GArray                    *rollups,
                        GError                   **error);
  /* Deletes the raw rows before @before_us. */
  gboolean (*prune)    (SyUsageBackend            *self,
                        gint64                     before_us,
                        GError                   **error);
  gboolean (*series)   (SyUsageBackend            *self,
                        const SyUsageSeriesQuery  *query,
                        SyUsageSeriesFunc          func,
                        gpointer                   user_data,
                        GError                   **error);
  gboolean (*snapshot) (SyUsageBackend            *self,
                        gint64                     since_us,
                        SyUsageSnapshotFunc        func,
                        gpointer                   user_data,
                        GError                   **error);
  void     (*free)     (SyUsageBackend            *self);
} SyUsageBackendClass;

struct _SyUsageBackend
{
  const SyUsageBackendClass *klass;
};

SyUsageBackend *sy_usage_sqlite_backend_new   (const char  *path,
                                               GError     **error);
#ifdef SY_USAGE_POSTGRES
SyUsageBackend *sy_usage_postgres_backend_new (const char  *dsn,
                                               GError     **error);
#endif

G_END_DECLS
