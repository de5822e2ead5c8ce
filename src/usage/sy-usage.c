/* sy-usage.c: the persistent usage store (one worker thread, a backend)
 *
 * The database connection belongs to one worker thread (sy-db-worker.c).
 * Records wait in its batch until half a second has passed since the oldest
 * of them (or a flush, query or close comes), then go to the backend
 * (sy-usage-sqlite.c, sy-usage-postgres.c) in one transaction together
 * with their daily roll-ups, summed here. Everything that reads runs on the
 * worker too, after committing what is pending, so a query sees every
 * record added before it. The backends only hand rows back; the JSON is
 * built here, the same for all of them.
 *
 * A PostgreSQL server can go away: then the batch stays (up to
 * MAX_QUEUED records, the oldest dropped past that) and is tried again
 * with a growing delay, and at once by a flush or a query.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include <string.h>

#include "sy-db-worker.h"
#include "sy-usage-backend.h"

#define MAX_QUEUED       100000

G_DEFINE_QUARK (sy-usage-error-quark, sy_usage_error)

/* What a series or a snapshot (from_us only) asks for. */
typedef struct
{
  gint64  from_us, to_us, step_us;
  char   *group;
} Query;

struct _SyUsageStore
{
  GObject     parent_instance;

  SyDbWorker *worker;       /* its state: the SyUsageBackend */
};

G_DEFINE_FINAL_TYPE (SyUsageStore, sy_usage_store, G_TYPE_OBJECT)

char *
sy_usage_key_id (const char *key)
{
  char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  digest[16] = '\0';
  return digest;
}

SyUsageRecord *
sy_usage_record_copy (const SyUsageRecord *record)
{
  SyUsageRecord *copy = g_new (SyUsageRecord, 1);

  *copy = *record;
  copy->key_id = g_strdup (record->key_id);
  copy->key_label = g_strdup (record->key_label);
  copy->account_id = g_strdup (record->account_id);
  copy->provider = g_strdup (record->provider);
  copy->model_asked = g_strdup (record->model_asked);
  copy->model_served = g_strdup (record->model_served);
  copy->client_format = g_strdup (record->client_format);
  copy->upstream_format = g_strdup (record->upstream_format);
  return copy;
}

void
sy_usage_record_free (SyUsageRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->key_id);
  g_free (record->key_label);
  g_free (record->account_id);
  g_free (record->provider);
  g_free (record->model_asked);
  g_free (record->model_served);
  g_free (record->client_format);
  g_free (record->upstream_format);
  g_free (record);
}

static Query *
query_new (gint64      from_us,
           gint64      to_us,
           gint64      step_us,
           const char *group)
{
  Query *query = g_new (Query, 1);

  query->from_us = from_us;
  query->to_us = to_us;
  query->step_us = step_us;
  query->group = g_strdup (group);
  return query;
}

static void
query_free (Query *query)
{
  g_free (query->group);
  g_free (query);
}

static gboolean
is_failed (guint status)
{
  return status == 0 || status >= 400;
}

static const char *
nz (const char *s)
{
  return s != NULL ? s : "";
}

static const char *
record_model (const SyUsageRecord *r)
{
  return r->model_served != NULL && *r->model_served != '\0' ? r->model_served : nz (r->model_asked);
}

/* Floor division: days before 1970 still land on their own day. */
static gint64
day_of (gint64 time_us)
{
  return time_us >= 0 ? time_us / SY_USAGE_DAY_US : -((-time_us + SY_USAGE_DAY_US - 1) / SY_USAGE_DAY_US);
}

/* Names come from clients and upstreams: a database that checks its text
 * (PostgreSQL) would refuse a whole batch for one bad byte, and JSON
 * cannot carry it either. */
static void
make_valid (char **s)
{
  char *valid;

  if (*s == NULL || g_utf8_validate (*s, -1, NULL))
    return;
  valid = g_utf8_make_valid (*s, -1);
  g_free (*s);
  *s = valid;
}

const char *
sy_usage_group_column (const char *group,
                       gboolean    daily)
{
  /* Typed: PostgreSQL cannot give a bare NULL a collation. */
  if (group == NULL)
    return "CAST(NULL AS text)";
  if (g_str_equal (group, "model"))
    return daily ? "model" : SY_USAGE_MODEL_SQL;
  if (g_str_equal (group, "account"))
    return "account_id";
  return "key_id";
}

/* -- Roll-ups ------------------------------------------------------------- */

static guint
rollup_hash (gconstpointer key)
{
  const SyUsageRollup *u = key;
  guint h = g_int64_hash (&u->day);

  h = h * 31 + g_str_hash (u->model);
  h = h * 31 + g_str_hash (u->account_id);
  return h * 31 + g_str_hash (u->key_id);
}

static gboolean
rollup_equal (gconstpointer a,
              gconstpointer b)
{
  const SyUsageRollup *x = a, *y = b;

  return x->day == y->day && g_str_equal (x->model, y->model)
         && g_str_equal (x->account_id, y->account_id) && g_str_equal (x->key_id, y->key_id);
}

static int
rollup_compare (gconstpointer a,
                gconstpointer b)
{
  const SyUsageRollup *x = a, *y = b;
  int c;

  if (x->day != y->day)
    return x->day < y->day ? -1 : 1;
  if ((c = strcmp (x->model, y->model)) != 0)
    return c;
  if ((c = strcmp (x->account_id, y->account_id)) != 0)
    return c;
  return strcmp (x->key_id, y->key_id);
}

/* What @records add to the daily rows, one entry per row touched, in a
 * fixed order (so two instances updating the same rows lock them in the
 * same order). The strings point into @records. */
static GArray *
sum_rollups (GPtrArray *records)
{
  g_autoptr(GHashTable) sums = g_hash_table_new_full (rollup_hash, rollup_equal, g_free, NULL);
  GArray *rollups = g_array_new (FALSE, FALSE, sizeof (SyUsageRollup));
  GHashTableIter iter;
  gpointer key;
  guint i;

  for (i = 0; i < records->len; i++)
    {
      const SyUsageRecord *r = g_ptr_array_index (records, i);
      SyUsageRollup probe = { 0 };
      SyUsageRollup *u;

      probe.day = day_of (r->time_us);
      probe.model = record_model (r);
      probe.account_id = nz (r->account_id);
      probe.key_id = nz (r->key_id);
      u = g_hash_table_lookup (sums, &probe);
      if (u == NULL)
        {
          u = g_memdup2 (&probe, sizeof probe);
          g_hash_table_add (sums, u);
        }
      u->requests++;
      u->failed += is_failed (r->status) ? 1 : 0;
      u->input_tokens += r->input_tokens;
      u->output_tokens += r->output_tokens;
      u->cached_tokens += r->cached_tokens;
      u->reasoning_tokens += r->reasoning_tokens;
    }
  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_vals (rollups, key, 1);
  g_array_sort (rollups, rollup_compare);
  return rollups;
}

/* -- Worker: writing ------------------------------------------------------ */

static gboolean
write_records (gpointer    state,
               GPtrArray  *records,
               GError    **error)
{
  SyUsageBackend *backend = state;
  g_autoptr(GArray) rollups = NULL;

  if (!backend->klass->open (backend, error))
    return FALSE;
  rollups = sum_rollups (records);
  return backend->klass->write (backend, records, rollups, error);
}

static gboolean
prune_records (gpointer    state,
               gint64      before_us,
               GError    **error)
{
  SyUsageBackend *backend = state;

  return backend->klass->open (backend, error) && backend->klass->prune (backend, before_us, error);
}

static void
free_backend (gpointer state)
{
  SyUsageBackend *backend = state;

  backend->klass->free (backend);
}

static const SyDbWorkerClass worker_class = {
  .thread_name = "sy-usage",
  .name = "usage store",
  .what = "Usage database",
  .items = "usage records",
  /* What a crash may lose. Half a second, not a whole one: the answer the
   * client got a second ago must be on disk even when the worker wakes
   * late on a busy machine; two small commits a second cost nothing. */
  .batch_ms = 500,
  .max_batch = MAX_QUEUED,
  .item_free = (GDestroyNotify) sy_usage_record_free,
  .write = write_records,
  .prune = prune_records,
  .free = free_backend,
};

/* -- Worker: reading ------------------------------------------------------ */

typedef struct
{
  JsonBuilder *builder;
  char        *current;
  gboolean     open_series;
  gint64       from;
  gint64       step;
} SeriesBuild;

static void
series_row (const SyUsageSeriesRow *row,
            gpointer                user_data)
{
  SeriesBuild *b = user_data;
  JsonBuilder *builder = b->builder;

  if (!b->open_series || g_strcmp0 (row->group, b->current) != 0)
    {
      if (b->open_series)
        {
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      g_free (b->current);
      b->current = g_strdup (row->group);
      b->open_series = TRUE;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "group");
      if (row->group != NULL)
        json_builder_add_string_value (builder, row->group);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "points");
      json_builder_begin_array (builder);
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_int_value (builder, b->from + row->bucket * b->step);
  json_builder_set_member_name (builder, "requests");
  json_builder_add_int_value (builder, row->requests);
  json_builder_set_member_name (builder, "failed");
  json_builder_add_int_value (builder, row->failed);
  json_builder_set_member_name (builder, "input_tokens");
  json_builder_add_int_value (builder, row->input_tokens);
  json_builder_set_member_name (builder, "output_tokens");
  json_builder_add_int_value (builder, row->output_tokens);
  json_builder_end_object (builder);
}

static gpointer
run_series (gpointer   state,
            gpointer   data,
            GError   **error)
{
  SyUsageBackend *backend = state;
  const Query *op = data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  SyUsageSeriesQuery query = { 0 };
  SeriesBuild b = { 0 };
  gboolean ok;

  if ((op->group != NULL && !g_str_equal (op->group, "model") && !g_str_equal (op->group, "account")
       && !g_str_equal (op->group, "key"))
      || op->step_us <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Usage series: unknown group \"%s\" or step %" G_GINT64_FORMAT,
                   nz (op->group), op->step_us);
      return NULL;
    }

  query.from_us = op->from_us;
  query.to_us = op->to_us;
  query.step_us = op->step_us;
  query.group = op->group;
  query.daily = op->step_us >= SY_USAGE_DAY_US;
  if (query.daily)
    {
      /* Roll-ups know days only: widen to whole days, bucket by day start. */
      query.from_us = day_of (op->from_us) * SY_USAGE_DAY_US;
      query.to_us = (day_of (op->to_us - 1) + 1) * SY_USAGE_DAY_US;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_int_value (builder, query.from_us);
  json_builder_set_member_name (builder, "to");
  json_builder_add_int_value (builder, query.to_us);
  json_builder_set_member_name (builder, "step");
  json_builder_add_int_value (builder, op->step_us);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);

  b.builder = builder;
  b.from = query.from_us;
  b.step = query.step_us;
  ok = backend->klass->open (backend, error) && backend->klass->series (backend, &query, series_row, &b, error);
  g_free (b.current);
  if (!ok)
    return NULL;

  if (b.open_series)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonObject *
object_member (JsonObject *parent,
               const char *name)
{
  JsonObject *child;

  if (json_object_has_member (parent, name))
    return json_object_get_object_member (parent, name);
  child = json_object_new ();
  json_object_set_object_member (parent, name, child);
  return child;
}

static void
add_to (JsonObject *object,
        const char *name,
        gint64      value)
{
  json_object_set_int_member (object, name, json_object_get_int_member_with_default (object, name, 0) + value);
}

/* RFC 3339 with nanoseconds and the local offset, as CLIProxyAPI prints. */
static char *
format_timestamp (GDateTime *local,
                  gint64     time_us)
{
  g_autofree char *head = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *zone = g_date_time_format (local, "%:z");
  gint64 frac = time_us % G_USEC_PER_SEC;

  if (frac < 0)
    frac += G_USEC_PER_SEC;
  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "000%s", head, frac, zone);
}

typedef struct
{
  GTimeZone  *tz;
  JsonObject *apis, *by_day, *by_hour, *tok_day, *tok_hour;
  gint64      total, failures, tokens;
} SnapshotBuild;

static void
snapshot_row (const SyUsageSnapshotRow *row,
              gpointer                  user_data)
{
  SnapshotBuild *b = user_data;
  gboolean failed = is_failed (row->status);
  gint64 sum = row->input_tokens + row->output_tokens + row->reasoning_tokens;
  const char *model = row->model_served;
  const char *api;
  JsonObject *api_obj, *model_obj, *detail, *tok;
  JsonArray *details;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (row->time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *day = NULL;
  g_autofree char *hour = NULL;
  g_autofree char *auth_index = NULL;
  g_autofree char *timestamp = NULL;

  if (sum == 0)
    sum = row->cached_tokens;
  if (*row->key_label != '\0')
    api = row->key_label;
  else if (*row->key_id != '\0')
    api = row->key_id;
  else if (*row->provider != '\0')
    api = row->provider;
  else
    api = "unknown";
  if (*model == '\0')
    model = "unknown";

  b->total++;
  b->failures += failed ? 1 : 0;
  b->tokens += sum;

  api_obj = object_member (b->apis, api);
  add_to (api_obj, "total_requests", 1);
  add_to (api_obj, "total_tokens", sum);
  model_obj = object_member (object_member (api_obj, "models"), model);
  add_to (model_obj, "total_requests", 1);
  add_to (model_obj, "total_tokens", sum);
  if (!json_object_has_member (model_obj, "details"))
    json_object_set_array_member (model_obj, "details", json_array_new ());
  details = json_object_get_array_member (model_obj, "details");

  if (utc == NULL)
    return;   /* out of GDateTime's range: counted, not dated */
  local = g_date_time_to_timezone (utc, b->tz);
  day = g_date_time_format (local, "%Y-%m-%d");
  hour = g_date_time_format (local, "%H");
  /* An opaque, stable id of the account, like CLIProxyAPI's auth index. */
  auth_index = g_compute_checksum_for_string (G_CHECKSUM_SHA256, row->account_id, -1);
  auth_index[16] = '\0';

  detail = json_object_new ();
  timestamp = format_timestamp (local, row->time_us);
  json_object_set_string_member (detail, "timestamp", timestamp);
  json_object_set_int_member (detail, "latency_ms", row->latency_us / 1000);
  json_object_set_string_member (detail, "source", row->account_id);
  json_object_set_string_member (detail, "auth_index", auth_index);
  tok = json_object_new ();
  json_object_set_int_member (tok, "input_tokens", row->input_tokens);
  json_object_set_int_member (tok, "output_tokens", row->output_tokens);
  json_object_set_int_member (tok, "reasoning_tokens", row->reasoning_tokens);
  json_object_set_int_member (tok, "cached_tokens", row->cached_tokens);
  json_object_set_int_member (tok, "total_tokens", sum);
  json_object_set_object_member (detail, "tokens", tok);
  json_object_set_boolean_member (detail, "failed", failed);
  json_array_add_object_element (details, detail);

  add_to (b->by_day, day, 1);
  add_to (b->by_hour, hour, 1);
  add_to (b->tok_day, day, sum);
  add_to (b->tok_hour, hour, sum);
}

static gpointer
run_snapshot (gpointer   state,
              gpointer   data,
              GError   **error)
{
  SyUsageBackend *backend = state;
  const Query *op = data;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(JsonObject) usage = json_object_new ();
  SnapshotBuild b = { 0 };
  JsonNode *node;

  json_object_set_int_member (usage, "total_requests", 0);
  json_object_set_int_member (usage, "success_count", 0);
  json_object_set_int_member (usage, "failure_count", 0);
  json_object_set_int_member (usage, "total_tokens", 0);
  b.tz = tz;
  b.apis = object_member (usage, "apis");
  b.by_day = object_member (usage, "requests_by_day");
  b.by_hour = object_member (usage, "requests_by_hour");
  b.tok_day = object_member (usage, "tokens_by_day");
  b.tok_hour = object_member (usage, "tokens_by_hour");

  if (!backend->klass->open (backend, error)
      || !backend->klass->snapshot (backend, op->from_us, snapshot_row, &b, error))
    return NULL;

  json_object_set_int_member (usage, "total_requests", b.total);
  json_object_set_int_member (usage, "success_count", b.total - b.failures);
  json_object_set_int_member (usage, "failure_count", b.failures);
  json_object_set_int_member (usage, "total_tokens", b.tokens);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, usage);
  return node;
}

/* -- Public API ----------------------------------------------------------- */

void
sy_usage_store_close (SyUsageStore *self)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));

  sy_db_worker_close (self->worker);
}

static void
sy_usage_store_finalize (GObject *object)
{
  SyUsageStore *self = SY_USAGE_STORE (object);

  sy_db_worker_free (self->worker);
  G_OBJECT_CLASS (sy_usage_store_parent_class)->finalize (object);
}

static void
sy_usage_store_class_init (SyUsageStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_usage_store_finalize;
}

static void
sy_usage_store_init (SyUsageStore *self)
{
}

/* Takes @backend, opened, to its own worker thread. */
static SyUsageStore *
store_new (SyUsageBackend *backend)
{
  SyUsageStore *self = g_object_new (SY_TYPE_USAGE_STORE, NULL);

  self->worker = sy_db_worker_new (&worker_class, backend, SY_USAGE_RETENTION_DEFAULT_DAYS);
  return self;
}

SyUsageStore *
sy_usage_store_new (const char  *path,
                    GError     **error)
{
  SyUsageBackend *backend;

  g_return_val_if_fail (path != NULL, NULL);

  backend = sy_usage_sqlite_backend_new (path, error);
  return backend != NULL ? store_new (backend) : NULL;
}

SyUsageStore *
sy_usage_store_new_postgres (const char  *dsn,
                             GError     **error)
{
#ifdef SY_USAGE_POSTGRES
  SyUsageBackend *backend;

  g_return_val_if_fail (dsn != NULL, NULL);

  backend = sy_usage_postgres_backend_new (dsn, error);
  return backend != NULL ? store_new (backend) : NULL;
#else
  g_return_val_if_fail (dsn != NULL, NULL);

  g_set_error_literal (error, SY_USAGE_ERROR, SY_USAGE_ERROR_UNSUPPORTED,
                       "Usage database: PostgreSQL was asked for, but this Switchyard was built "
                       "without PostgreSQL support (libpq)");
  return NULL;
#endif
}

/* A string setting, trimmed; NULL when unset or empty. */
static char *
config_string (SyConfig   *config,
               const char *key)
{
  JsonNode *node = config != NULL ? sy_config_lookup (config, key) : NULL;
  char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  value = g_strstrip (g_strdup (json_node_get_string (node)));
  if (*value == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

SyUsageStore *
sy_usage_store_new_from_config (SyConfig    *config,
                                const char  *default_sqlite_path,
                                GError     **error)
{
  g_autofree char *kind = config_string (config, "usage-store");
  g_autofree char *dsn = NULL;
  JsonNode *days_node = config != NULL ? sy_config_lookup (config, "usage-retention-days") : NULL;
  gint64 days = SY_USAGE_RETENTION_DEFAULT_DAYS;
  SyUsageStore *store;

  if (days_node != NULL && !JSON_NODE_HOLDS_NULL (days_node))
    {
      if (!JSON_NODE_HOLDS_VALUE (days_node) || json_node_get_value_type (days_node) != G_TYPE_INT64
          || json_node_get_int (days_node) < 0 || json_node_get_int (days_node) > G_MAXUINT)
        {
          g_set_error_literal (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CONFIG,
                               "usage-retention-days must be an integer of 0 or more");
          return NULL;
        }
      days = json_node_get_int (days_node);
    }

  if (kind == NULL || g_ascii_strcasecmp (kind, "sqlite") == 0)
    {
      if (default_sqlite_path == NULL)
        {
          g_set_error_literal (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CONFIG,
                               "usage-store: sqlite, but there is no place for its file");
          return NULL;
        }
      store = sy_usage_store_new (default_sqlite_path, error);
    }
  else if (g_ascii_strcasecmp (kind, "postgres") == 0 || g_ascii_strcasecmp (kind, "postgresql") == 0)
    {
      /* The environment keeps a password out of config.yaml; the file wins
       * when it has one. */
      dsn = config_string (config, "usage-store-dsn");
      if (dsn == NULL && g_getenv ("SWITCHYARD_USAGE_DSN") != NULL)
        dsn = g_strstrip (g_strdup (g_getenv ("SWITCHYARD_USAGE_DSN")));
      if (dsn == NULL || *dsn == '\0')
        {
          g_set_error_literal (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CONFIG,
                               "usage-store: postgres needs usage-store-dsn "
                               "(or SWITCHYARD_USAGE_DSN in the environment)");
          return NULL;
        }
      store = sy_usage_store_new_postgres (dsn, error);
    }
  else
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CONFIG,
                   "usage-store: '%s' is neither sqlite nor postgres", kind);
      return NULL;
    }

  if (store != NULL && days != SY_USAGE_RETENTION_DEFAULT_DAYS)
    sy_usage_store_set_retention_days (store, (guint) days);
  return store;
}

void
sy_usage_store_add (SyUsageStore        *self,
                    const SyUsageRecord *record)
{
  SyUsageRecord *copy;

  g_return_if_fail (SY_IS_USAGE_STORE (self));
  g_return_if_fail (record != NULL);

  copy = sy_usage_record_copy (record);
  make_valid (&copy->key_id);
  make_valid (&copy->key_label);
  make_valid (&copy->account_id);
  make_valid (&copy->provider);
  make_valid (&copy->model_asked);
  make_valid (&copy->model_served);
  make_valid (&copy->client_format);
  make_valid (&copy->upstream_format);
  copy->input_tokens = CLAMP (copy->input_tokens, 0, SY_USAGE_TOKENS_MAX);
  copy->output_tokens = CLAMP (copy->output_tokens, 0, SY_USAGE_TOKENS_MAX);
  copy->cached_tokens = CLAMP (copy->cached_tokens, 0, SY_USAGE_TOKENS_MAX);
  copy->reasoning_tokens = CLAMP (copy->reasoning_tokens, 0, SY_USAGE_TOKENS_MAX);
  sy_db_worker_add (self->worker, copy);
}

void
sy_usage_store_set_retention_days (SyUsageStore *self,
                                   guint         days)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));

  sy_db_worker_set_retention_days (self->worker, days);
}

void
sy_usage_store_flush_async (SyUsageStore        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));
  sy_db_worker_flush_async (self->worker, self, sy_usage_store_flush_async, cancellable, callback, user_data);
}

gboolean
sy_usage_store_flush_finish (SyUsageStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_usage_store_query_series_async (SyUsageStore        *self,
                                   gint64               from_us,
                                   gint64               to_us,
                                   gint64               step_us,
                                   const char          *group,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));

  sy_db_worker_run_async (self->worker, run_series, query_new (from_us, to_us, step_us, group),
                          (GDestroyNotify) query_free, (GDestroyNotify) json_node_unref, self,
                          sy_usage_store_query_series_async, cancellable, callback, user_data);
}

JsonNode *
sy_usage_store_query_series_finish (SyUsageStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_usage_store_snapshot_async (SyUsageStore        *self,
                               gint64               since_us,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));

  sy_db_worker_run_async (self->worker, run_snapshot, query_new (since_us, 0, 0, NULL),
                          (GDestroyNotify) query_free, (GDestroyNotify) json_node_unref, self,
                          sy_usage_store_snapshot_async, cancellable, callback, user_data);
}

JsonNode *
sy_usage_store_snapshot_finish (SyUsageStore  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
