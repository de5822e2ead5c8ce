/* sy-quota-reader.c: ask a provider's usage endpoint for an account's quota
 *
 * One call per read (Antigravity: two when the first is refused), on the
 * shared SyHttpClient (sy_http_fetch_async()). The endpoints and the fields read are in
 * docs/quota-reads.md with the sources they come from; in short:
 *
 *   claude       GET  /api/oauth/usage          five_hour, seven_day, ... (utilization %)
 *   codex        GET  /backend-api/wham/usage   rate_limit.primary_window, secondary_window
 *   gemini-cli   POST /v1internal:retrieveUserQuota          buckets[] per model
 *   antigravity  POST /v1internal:retrieveUserQuotaSummary   groups[].buckets[]
 *                then /v1internal:fetchAvailableModels when refused: models{}.quotaInfo
 *   kimi         GET  /coding/v1/usages         usage, limits[]
 *   xai          GET  /v1/billing?format=credits  config.creditUsagePercent
 *
 * Google answers in proto3 JSON, which leaves out a field at its zero
 * value: a bucket with a reset time and no remainingFraction has none left.
 *
 * The token goes in a header and nowhere else: error messages quote the
 * upstream's message with any copy of the token blanked, and URLs are
 * logged without their query.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-cloud-code.h"
#include "sy-http-fetch.h"
#include "sy-log.h"
#include "sy-login-channels.h"
#include "sy-quota-reader.h"
#include "sy-secret.h"

#define MAX_ANSWER_SIZE   (1024 * 1024)
#define MAX_SHOWN_TEXT    200
#define HOUR_US           (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US            (24 * HOUR_US)
/* Longest window or wait taken from an answer (about 31 years), latest
 * reset time (the year 5138); past them, microseconds would not fit. */
#define MAX_SECONDS       1e9
#define MAX_UNIX_SECONDS  1e11

#define CLAUDE_API        "https://api.anthropic.com"
#define CLAUDE_BETA       "oauth-2025-04-20"
#define CHATGPT_API       "https://chatgpt.com"
#define CLOUD_CODE_API    "https://cloudcode-pa.googleapis.com"
#define KIMI_API          "https://api.kimi.com"
#define XAI_API           "https://cli-chat-proxy.grok.com"
#define XAI_TOKEN_AUTH    "xai-grok-cli"

typedef enum
{
  KIND_CLAUDE,
  KIND_CODEX,
  KIND_GEMINI_CLI,
  KIND_ANTIGRAVITY,
  KIND_KIMI,
  KIND_XAI,
} Kind;

static const struct
{
  const char *provider;
  Kind        kind;
  const char *name;        /* for messages */
  const char *api;         /* the real service's scheme and host */
} kinds[] = {
  { "claude",      KIND_CLAUDE,      "Claude",               CLAUDE_API },
  { "codex",       KIND_CODEX,       "ChatGPT",              CHATGPT_API },
  { "gemini-cli",  KIND_GEMINI_CLI,  "Gemini Code Assist",   CLOUD_CODE_API },
  { "antigravity", KIND_ANTIGRAVITY, "Antigravity",          CLOUD_CODE_API },
  { "kimi",        KIND_KIMI,        "Kimi",                 KIMI_API },
  { "xai",         KIND_XAI,         "xAI",                  XAI_API },
};

typedef struct
{
  Kind            kind;
  const char     *name;
  char           *account_id;     /* ours, for the log */
  char           *base;           /* scheme and host, no trailing '/' */
  char           *proxy_url;
  char           *token;          /* wiped when the read goes */
  char           *chatgpt_account;
  char           *project;
  char           *device_id;
  SyClock        *clock;
  SyHttpClient   *http;
  guint           stage;          /* Antigravity: 0 summary, 1 models */

  /* the call in flight */
  char           *what;           /* "retrieveUserQuota", for messages */
  const char     *method;
  char           *log_url;
  SyHttpAnswer   *answer;         /* once it came */
  char           *retry_after;
} Read;

static void
wipe (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
call_clear (Read *read)
{
  g_clear_pointer (&read->what, g_free);
  g_clear_pointer (&read->log_url, g_free);
  g_clear_pointer (&read->answer, sy_http_answer_free);
  g_clear_pointer (&read->retry_after, g_free);
}

static void
read_free (Read *read)
{
  call_clear (read);
  g_free (read->account_id);
  g_free (read->base);
  g_free (read->proxy_url);
  wipe (read->token);
  g_free (read->chatgpt_account);
  g_free (read->project);
  g_free (read->device_id);
  sy_clock_unref (read->clock);
  g_object_unref (read->http);
  g_free (read);
}

/* ------------------------------------------------------------ JSON helpers */

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  value = json_node_get_string (node);
  return value != NULL && *value != '\0' ? value : NULL;
}

/* A number, or a string holding one (Kimi and Google send int64 as strings). */
static gboolean
node_number (JsonNode *node,
             double   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    {
      *out = json_node_get_double (node);
      return isfinite (*out);
    }
  if (type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;

      if (text == NULL)
        return FALSE;
      while (g_ascii_isspace (*text))
        text++;
      if (*text == '\0')
        return FALSE;
      *out = g_ascii_strtod (text, &end);
      while (end != NULL && g_ascii_isspace (*end))
        end++;
      return end != NULL && *end == '\0' && isfinite (*out);
    }
  return FALSE;
}

static gboolean
number_member (JsonObject *object,
               const char *name,
               double     *out)
{
  return object != NULL && node_number (json_object_get_member (object, name), out);
}

/* The first of @names that @object holds as a number. */
static gboolean
number_member_any (JsonObject         *object,
                   const char * const *names,
                   double             *out)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (number_member (object, names[i], out))
      return TRUE;
  return FALSE;
}

/* An RFC 3339 time as wall-clock µs; 0 when absent or unreadable. */
static gint64
parse_time (const char *text)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) time = NULL;

  if (text == NULL || *text == '\0')
    return 0;
  utc = g_time_zone_new_utc ();
  time = g_date_time_new_from_iso8601 (text, utc);
  if (time == NULL)
    return 0;
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static gint64
time_member_any (JsonObject         *object,
                 const char * const *names)
{
  for (guint i = 0; object != NULL && names[i] != NULL; i++)
    {
      gint64 when = parse_time (string_member (object, names[i]));

      if (when > 0)
        return when;
    }
  return 0;
}

/* Lower case, runs of anything but letters and digits as one '-'. */
static char *
slug (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
    else if (out->len > 0 && out->str[out->len - 1] != '-')
      g_string_append_c (out, '-');
  while (out->len > 0 && out->str[out->len - 1] == '-')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

/* "5-hour", "Weekly", "Daily", "30-day"... for a window of @seconds. */
static char *
duration_label (gint64 seconds)
{
  if (seconds == 7 * 24 * 3600)
    return g_strdup ("Weekly");
  if (seconds == 24 * 3600)
    return g_strdup ("Daily");
  if (seconds > 0 && seconds % (24 * 3600) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "-day", seconds / (24 * 3600));
  if (seconds > 0 && seconds % 3600 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "-hour", seconds / 3600);
  if (seconds > 0 && seconds % 60 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "-minute", seconds / 60);
  return NULL;
}

static void
add_window (GPtrArray  *out,
            const char *id,
            const char *label,
            const char *model,
            double      remaining,
            gint64      reset_us,
            gint64      window_us,
            gint64      now_us)
{
  if (remaining >= 0)
    remaining = CLAMP (remaining, 0.0, 1.0);
  else
    remaining = -1;
  g_ptr_array_add (out, sy_quota_window_new (id, label, model, remaining, MAX (reset_us, 0),
                                             MAX (window_us, 0), now_us, SY_QUOTA_SOURCE_ACTIVE));
}

/* ------------------------------------------------------------------ Claude */

/* {"five_hour": {"utilization": 24.0, "resets_at": "2026-01-02T19:59:59.600956+00:00"},
 *  "seven_day": {...}, "seven_day_opus": null, "seven_day_sonnet": {...},
 *  "limits": [{"kind": "weekly_scoped", "percent": 5, "resets_at": ...,
 *              "scope": {"model": {"id": null, "display_name": "Fable"}}}]}
 * utilization and percent are percent used. The windows metering one
 * family of models name that family as their model, which no upstream
 * model id equals: they inform, they do not cap the whole account. */
static const struct
{
  const char *key;
  const char *label;
  const char *model;
  gint64      window_us;
} claude_windows[] = {
  { "five_hour",            "5-hour",              NULL,            5 * HOUR_US },
  { "seven_day",            "Weekly",              NULL,            7 * DAY_US },
  { "seven_day_oauth_apps", "Weekly (OAuth apps)", NULL,            7 * DAY_US },
  { "seven_day_opus",       "Weekly (Opus)",       "claude-opus",   7 * DAY_US },
  { "seven_day_sonnet",     "Weekly (Sonnet)",     "claude-sonnet", 7 * DAY_US },
};

static gboolean
has_window (GPtrArray  *windows,
            const char *id)
{
  for (guint i = 0; i < windows->len; i++)
    if (g_strcmp0 (((SyQuotaWindow *) g_ptr_array_index (windows, i))->id, id) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_claude (JsonObject *root,
              gint64      now_us,
              GPtrArray  *out)
{
  static const char * const resets[] = { "resets_at", NULL };
  JsonArray *limits = array_member (root, "limits");
  gboolean known = limits != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (claude_windows); i++)
    {
      JsonObject *window;
      double used;

      if (json_object_has_member (root, claude_windows[i].key))
        known = TRUE;
      window = object_member (root, claude_windows[i].key);
      if (window == NULL || !number_member (window, "utilization", &used))
        continue;
      add_window (out, claude_windows[i].key, claude_windows[i].label, claude_windows[i].model,
                  1.0 - used / 100.0, time_member_any (window, resets), claude_windows[i].window_us, now_us);
    }

  /* The newer list: its session and weekly_all entries stand in for flat
   * fields that are null; weekly_scoped ones meter one model. */
  for (guint i = 0; limits != NULL && i < json_array_get_length (limits); i++)
    {
      JsonNode *node = json_array_get_element (limits, i);
      JsonObject *limit = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *kind = string_member (limit, "kind");
      double used;

      if (limit == NULL || kind == NULL || !number_member (limit, "percent", &used))
        continue;
      if (g_strcmp0 (kind, "session") == 0 && !has_window (out, "five_hour"))
        add_window (out, "five_hour", "5-hour", NULL, 1.0 - used / 100.0,
                    time_member_any (limit, resets), 5 * HOUR_US, now_us);
      else if (g_strcmp0 (kind, "weekly_all") == 0 && !has_window (out, "seven_day"))
        add_window (out, "seven_day", "Weekly", NULL, 1.0 - used / 100.0,
                    time_member_any (limit, resets), 7 * DAY_US, now_us);
      else if (g_strcmp0 (kind, "weekly_scoped") == 0)
        {
          JsonObject *model = object_member (object_member (limit, "scope"), "model");
          const char *model_id = string_member (model, "id");
          const char *display = string_member (model, "display_name");
          g_autofree char *name_slug = NULL;
          g_autofree char *id = NULL;
          g_autofree char *label = NULL;
          g_autofree char *metered = NULL;

          if (model_id == NULL && display == NULL)
            continue;
          name_slug = slug (model_id ? model_id : display);
          id = g_strconcat ("seven_day_scoped:", name_slug, NULL);
          if (has_window (out, id))
            continue;
          label = g_strdup_printf ("Weekly (%s)", display ? display : model_id);
          metered = model_id ? g_strdup (model_id) : g_ascii_strdown (display, -1);
          add_window (out, id, label, metered, 1.0 - used / 100.0, time_member_any (limit, resets),
                      7 * DAY_US, now_us);
        }
    }
  return known;
}

/* ------------------------------------------------------------------- Codex */

/* {"used_percent": 42, "limit_window_seconds": 18000, "reset_after_seconds": 3600,
 *  "reset_at": 1767225600}: reset_at is unix seconds; reset_after_seconds
 * counts from the answer. */
static void
codex_window (GPtrArray  *out,
              JsonObject *window,
              const char *id,
              const char *fallback_label,
              const char *limit_name,
              const char *model,
              gint64      now_us)
{
  double used;
  double seconds = 0;
  double reset_at = 0;
  double reset_after = 0;
  gint64 reset_us = 0;
  g_autofree char *duration = NULL;
  g_autofree char *label = NULL;

  if (window == NULL || !number_member (window, "used_percent", &used))
    return;
  /* Absurd times and lengths (past MAX_SECONDS) are unknown: in
   * microseconds they would not fit a gint64. */
  if (!number_member (window, "limit_window_seconds", &seconds) || !(seconds > 0) || seconds > MAX_SECONDS)
    seconds = 0;
  if (number_member (window, "reset_at", &reset_at) && reset_at > 0 && reset_at < MAX_UNIX_SECONDS)
    reset_us = (gint64) reset_at * G_USEC_PER_SEC;
  else if (number_member (window, "reset_after_seconds", &reset_after) && reset_after >= 0 &&
           reset_after <= MAX_SECONDS)
    reset_us = now_us + (gint64) (reset_after * G_USEC_PER_SEC);
  duration = duration_label ((gint64) seconds);
  if (limit_name != NULL)
    label = g_strdup_printf ("%s %s", limit_name, duration ? duration : fallback_label);
  else
    label = g_strdup (duration ? duration : fallback_label);
  add_window (out, id, label, model, 1.0 - used / 100.0, reset_us, (gint64) (seconds * G_USEC_PER_SEC), now_us);
}

/* {"plan_type": "pro", "rate_limit": {"primary_window": {...}, "secondary_window": {...}},
 *  "additional_rate_limits": [{"limit_name": "GPT-5.3-Codex-Spark",
 *      "metered_feature": "...", "rate_limit": {...}}], "credits": {...}}
 * The additional limits meter the model they are named after. Credits
 * are a balance, not a window: left out. */
static gboolean
parse_codex (JsonObject *root,
             gint64      now_us,
             GPtrArray  *out)
{
  JsonObject *limits = object_member (root, "rate_limit");
  JsonArray *additional = array_member (root, "additional_rate_limits");

  codex_window (out, object_member (limits, "primary_window"), "primary", "Primary", NULL, NULL, now_us);
  codex_window (out, object_member (limits, "secondary_window"), "secondary", "Secondary", NULL, NULL, now_us);
  for (guint i = 0; additional != NULL && i < json_array_get_length (additional); i++)
    {
      JsonNode *node = json_array_get_element (additional, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = string_member (entry, "limit_name");
      const char *feature = string_member (entry, "metered_feature");
      JsonObject *rate = object_member (entry, "rate_limit");
      g_autofree char *key = NULL;
      g_autofree char *model = NULL;
      g_autofree char *primary = NULL;
      g_autofree char *secondary = NULL;

      if (entry == NULL || (name == NULL && feature == NULL) || rate == NULL)
        continue;
      key = slug (feature ? feature : name);
      model = g_ascii_strdown (name ? name : feature, -1);
      primary = g_strconcat ("additional:", key, ":primary", NULL);
      secondary = g_strconcat ("additional:", key, ":secondary", NULL);
      codex_window (out, object_member (rate, "primary_window"), primary, "primary",
                    name ? name : feature, model, now_us);
      codex_window (out, object_member (rate, "secondary_window"), secondary, "secondary",
                    name ? name : feature, model, now_us);
    }
  return json_object_has_member (root, "rate_limit") || additional != NULL ||
         json_object_has_member (root, "plan_type");
}

/* ------------------------------------------------------------------ Google */

/* proto3 JSON leaves out a zero: with a reset time and no fraction, none is left. */
static double
google_fraction (JsonObject *object,
                 gint64      reset_us)
{
  double fraction;
  JsonObject *remaining = object_member (object, "remaining");

  if (number_member (object, "remainingFraction", &fraction) ||
      number_member (remaining, "remainingFraction", &fraction))
    return fraction;
  return reset_us > 0 ? 0.0 : -1;
}

typedef struct
{
  char   *label;
  double  remaining;
  gint64  reset_us;
} ModelQuota;

static void
model_quota_free (ModelQuota *quota)
{
  g_free (quota->label);
  g_free (quota);
}

/* Keeps the lowest reading of each model (a model may have a bucket per
 * token type). */
static void
model_quota_add (GHashTable *models,
                 GPtrArray  *order,
                 const char *model,
                 const char *label,
                 double      remaining,
                 gint64      reset_us)
{
  ModelQuota *quota = g_hash_table_lookup (models, model);

  if (quota == NULL)
    {
      quota = g_new0 (ModelQuota, 1);
      quota->label = g_strdup (label ? label : model);
      quota->remaining = remaining;
      quota->reset_us = reset_us;
      g_hash_table_insert (models, g_strdup (model), quota);
      g_ptr_array_add (order, g_strdup (model));
      return;
    }
  if (remaining >= 0 && (quota->remaining < 0 || remaining < quota->remaining))
    {
      quota->remaining = remaining;
      quota->reset_us = reset_us;
    }
}

static void
model_quota_emit (GHashTable *models,
                  GPtrArray  *order,
                  gint64      now_us,
                  GPtrArray  *out)
{
  for (guint i = 0; i < order->len; i++)
    {
      const char *model = g_ptr_array_index (order, i);
      ModelQuota *quota = g_hash_table_lookup (models, model);
      g_autofree char *id = g_strconcat ("model:", model, NULL);

      if (quota->remaining < 0)
        continue;
      add_window (out, id, quota->label, model, quota->remaining, quota->reset_us, 0, now_us);
    }
}

/* retrieveUserQuota: {"buckets": [{"modelId": "gemini-2.5-pro", "tokenType": "REQUESTS",
 *  "remainingFraction": 0.25, "remainingAmount": "250", "resetTime": "..."}]} */
static gboolean
parse_gemini_cli (JsonObject *root,
                  gint64      now_us,
                  GPtrArray  *out)
{
  JsonArray *buckets = array_member (root, "buckets");
  g_autoptr(GHashTable) models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) model_quota_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; buckets != NULL && i < json_array_get_length (buckets); i++)
    {
      JsonNode *node = json_array_get_element (buckets, i);
      JsonObject *bucket = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *model = string_member (bucket, "modelId");
      gint64 reset_us;

      if (model == NULL)
        continue;
      reset_us = parse_time (string_member (bucket, "resetTime"));
      model_quota_add (models, order, model, NULL, google_fraction (bucket, reset_us), reset_us);
    }
  model_quota_emit (models, order, now_us, out);
  return TRUE;
}

static gint64
antigravity_window_length (const char *window)
{
  g_autofree char *lower = window ? g_ascii_strdown (window, -1) : NULL;

  if (lower == NULL)
    return 0;
  if (strcmp (lower, "5h") == 0 || strcmp (lower, "five_hour") == 0 || strcmp (lower, "five-hour") == 0)
    return 5 * HOUR_US;
  if (strcmp (lower, "weekly") == 0 || strcmp (lower, "week") == 0)
    return 7 * DAY_US;
  if (strcmp (lower, "daily") == 0 || strcmp (lower, "day") == 0)
    return DAY_US;
  return 0;
}

/* retrieveUserQuotaSummary: {"groups": [{"displayName": "Gemini Models",
 *  "buckets": [{"bucketId": "gemini-5h", "displayName": "...", "window": "5h",
 *               "remainingFraction": 0.8, "resetTime": "..."}]}]}
 * A bucket meters its group's models: the group's name is its model.
 * FALSE when there is no bucket to read (the models' list is asked then). */
static gboolean
parse_antigravity_summary (JsonObject *root,
                           gint64      now_us,
                           GPtrArray  *out)
{
  JsonArray *groups = array_member (root, "groups");
  guint before = out->len;

  for (guint g = 0; groups != NULL && g < json_array_get_length (groups); g++)
    {
      JsonNode *gnode = json_array_get_element (groups, g);
      JsonObject *group = JSON_NODE_HOLDS_OBJECT (gnode) ? json_node_get_object (gnode) : NULL;
      const char *group_name = string_member (group, "displayName");
      JsonArray *buckets = array_member (group, "buckets");
      g_autofree char *group_label = group_name ? g_strdup (group_name) : g_strdup_printf ("Group %u", g + 1);

      for (guint b = 0; buckets != NULL && b < json_array_get_length (buckets); b++)
        {
          JsonNode *bnode = json_array_get_element (buckets, b);
          JsonObject *bucket = JSON_NODE_HOLDS_OBJECT (bnode) ? json_node_get_object (bnode) : NULL;
          const char *bucket_id = string_member (bucket, "bucketId");
          const char *window = string_member (bucket, "window");
          const char *name = string_member (bucket, "displayName");
          g_autofree char *group_slug = slug (group_label);
          g_autofree char *id = NULL;
          g_autofree char *label = NULL;
          gint64 reset_us;
          double remaining;

          if (bucket == NULL || (bucket_id == NULL && window == NULL) ||
              (bucket_id != NULL && has_window (out, bucket_id)))
            continue;
          reset_us = parse_time (string_member (bucket, "resetTime"));
          remaining = google_fraction (bucket, reset_us);
          if (remaining < 0)
            continue;
          id = bucket_id ? g_strdup (bucket_id) : g_strdup_printf ("%s-%s", group_slug, window);
          label = g_strdup_printf ("%s: %s", group_label, name ? name : window ? window : id);
          add_window (out, id, label, group_label, remaining, reset_us, antigravity_window_length (window), now_us);
        }
    }
  return out->len > before;
}

/* fetchAvailableModels: {"models": {"gemini-3-pro-high": {"displayName": "Gemini 3 Pro (High)",
 *  "quotaInfo": {"remainingFraction": 0.6, "resetTime": "..."}}, ...}} */
static gboolean
parse_antigravity_models (JsonObject *root,
                          gint64      now_us,
                          GPtrArray  *out)
{
  JsonObject *models = object_member (root, "models");
  g_autoptr(GHashTable) quotas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) model_quota_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) names = models ? json_object_get_members (models) : NULL;

  names = g_list_sort (names, (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *model = object_member (models, l->data);
      JsonObject *info = object_member (model, "quotaInfo");
      gint64 reset_us;

      if (info == NULL)
        continue;
      reset_us = parse_time (string_member (info, "resetTime"));
      model_quota_add (quotas, order, l->data, string_member (model, "displayName"),
                       google_fraction (info, reset_us), reset_us);
    }
  model_quota_emit (quotas, order, now_us, out);
  return TRUE;
}

/* -------------------------------------------------------------------- Kimi */

static const char * const kimi_resets[] = { "resetTime", "reset_time", "resetAt", "reset_at", NULL };
static const char * const kimi_reset_in[] = { "resetIn", "reset_in", "ttl", NULL };

/* {"duration": 300, "timeUnit": "TIME_UNIT_MINUTE"} as µs; 0 when unknown. */
static gint64
kimi_window_length (double      duration,
                    const char *unit)
{
  g_autofree char *upper = unit ? g_ascii_strup (unit, -1) : g_strdup ("");
  const char *u = g_str_has_prefix (upper, "TIME_UNIT_") ? upper + 10 : upper;
  gint64 scale;

  if (duration <= 0)
    return 0;
  if (g_str_has_prefix (u, "SECOND"))
    scale = G_USEC_PER_SEC;
  else if (*u == '\0' || g_str_has_prefix (u, "MINUTE"))
    scale = 60 * G_USEC_PER_SEC;
  else if (g_str_has_prefix (u, "HOUR"))
    scale = HOUR_US;
  else if (g_str_has_prefix (u, "DAY"))
    scale = DAY_US;
  else if (g_str_has_prefix (u, "WEEK"))
    scale = 7 * DAY_US;
  else
    return 0;
  if (duration * (double) scale > MAX_SECONDS * G_USEC_PER_SEC)
    return 0;
  return (gint64) duration * scale;
}

/* {"used": "2", "limit": "100", "remaining": "98", "resetTime": "..."}
 * (numbers or strings); FALSE when it holds no limit. */
static gboolean
kimi_reading (JsonObject *detail,
              gint64      now_us,
              double     *remaining,
              gint64     *reset_us)
{
  double limit;
  double left;
  double used;
  double seconds;

  if (!number_member (detail, "limit", &limit) || limit <= 0)
    return FALSE;
  if (number_member (detail, "remaining", &left))
    *remaining = left / limit;
  else if (number_member (detail, "used", &used))
    *remaining = 1.0 - used / limit;
  else
    return FALSE;
  *reset_us = time_member_any (detail, kimi_resets);
  if (*reset_us == 0 && number_member_any (detail, kimi_reset_in, &seconds) && seconds > 0 &&
      seconds <= MAX_SECONDS)
    *reset_us = now_us + (gint64) (seconds * G_USEC_PER_SEC);
  return TRUE;
}

/* /coding/v1/usages: {"usage": {...the weekly allowance...},
 *  "limits": [{"window": {"duration": 300, "timeUnit": "TIME_UNIT_MINUTE"},
 *              "detail": {"used": "2", "limit": "100", ...}}]} */
static gboolean
parse_kimi (JsonObject *root,
            gint64      now_us,
            GPtrArray  *out)
{
  JsonObject *usage = object_member (root, "usage");
  JsonArray *limits = array_member (root, "limits");
  double remaining;
  gint64 reset_us;

  for (guint i = 0; limits != NULL && i < json_array_get_length (limits); i++)
    {
      JsonNode *node = json_array_get_element (limits, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonObject *detail = object_member (item, "detail");
      JsonObject *window = object_member (item, "window");
      const char *unit = string_member (window, "timeUnit");
      const char *name = string_member (item, "name");
      double duration = 0;
      gint64 length;
      g_autofree char *token = NULL;
      g_autofree char *id = NULL;
      g_autofree char *label = NULL;

      if (item == NULL)
        continue;
      if (detail == NULL)
        detail = item;
      if (!kimi_reading (detail, now_us, &remaining, &reset_us))
        continue;
      if (!number_member (window, "duration", &duration))
        {
          number_member (item, "duration", &duration);
          unit = unit ? unit : string_member (item, "timeUnit");
        }
      length = kimi_window_length (duration, unit);
      token = duration_label (length / G_USEC_PER_SEC);
      if (token != NULL)
        {
          g_autofree char *token_slug = slug (token);

          id = g_strconcat ("limit:", token_slug, NULL);
        }
      else
        id = g_strdup_printf ("limit:%u", i + 1);
      label = g_strdup (name ? name : token ? token : id);
      if (!has_window (out, id))
        add_window (out, id, label, NULL, remaining, reset_us, length, now_us);
    }
  if (usage != NULL && kimi_reading (usage, now_us, &remaining, &reset_us))
    add_window (out, "weekly", "Weekly", NULL, remaining, reset_us, 7 * DAY_US, now_us);
  return usage != NULL || limits != NULL;
}

/* --------------------------------------------------------------------- xAI */

/* A cent amount: {"val": 2500}, or the number itself. */
static gboolean
xai_cents (JsonObject *config,
           const char *name,
           const char *snake,
           double     *out)
{
  JsonNode *node = json_object_get_member (config, name);

  if (node == NULL)
    node = json_object_get_member (config, snake);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return number_member (json_node_get_object (node), "val", out);
  return node_number (node, out);
}

/* /v1/billing?format=credits: {"config": {"currentPeriod": {"type": "...WEEKLY...",
 *  "start": "...", "end": "..."}, "creditUsagePercent": 25,
 *  "onDemandCap": {"val": 0}, "onDemandUsed": {"val": 0}, "productUsage": [...]}}
 * and, for plans with a monthly allowance, "monthlyLimit", "used",
 * "billingPeriodStart", "billingPeriodEnd" (cents). */
static gboolean
parse_xai (JsonObject *root,
           gint64      now_us,
           GPtrArray  *out)
{
  static const char * const percent_names[] = { "creditUsagePercent", "credit_usage_percent", NULL };
  static const char * const start_names[] = { "billingPeriodStart", "billing_period_start", NULL };
  static const char * const end_names[] = { "billingPeriodEnd", "billing_period_end", NULL };
  JsonObject *config = object_member (root, "config");
  JsonObject *period;
  const char *type;
  double percent = -1;
  double cap;
  double on_demand;
  double limit;
  double used;
  gint64 start_us;
  gint64 end_us;

  if (config == NULL)
    return FALSE;
  period = object_member (config, "currentPeriod");
  if (period == NULL)
    period = object_member (config, "current_period");
  type = string_member (period, "type");
  if (!number_member_any (config, percent_names, &percent))
    {
      if (xai_cents (config, "onDemandUsed", "on_demand_used", &on_demand) &&
          xai_cents (config, "onDemandCap", "on_demand_cap", &cap) && cap > 0)
        percent = on_demand / cap * 100.0;
      else if (period != NULL)
        percent = 0;   /* a period and nothing spent in it */
    }
  if (percent >= 0)
    {
      g_autofree char *lower = type ? g_ascii_strdown (type, -1) : NULL;
      const char *label = "Credits";

      if (lower != NULL && strstr (lower, "week") != NULL)
        label = "Weekly credits";
      else if (lower != NULL && strstr (lower, "month") != NULL)
        label = "Monthly credits";
      start_us = parse_time (string_member (period, "start"));
      end_us = parse_time (string_member (period, "end"));
      if (end_us == 0)
        {
          start_us = time_member_any (config, start_names);
          end_us = time_member_any (config, end_names);
        }
      add_window (out, "credits", label, NULL, 1.0 - percent / 100.0, end_us,
                  start_us > 0 && end_us > start_us ? end_us - start_us : 0, now_us);
    }
  if (xai_cents (config, "monthlyLimit", "monthly_limit", &limit) && limit > 0 &&
      xai_cents (config, "used", "used", &used))
    {
      start_us = time_member_any (config, start_names);
      end_us = time_member_any (config, end_names);
      add_window (out, "monthly", "Monthly", NULL, 1.0 - MIN (used, limit) / limit, end_us,
                  start_us > 0 && end_us > start_us ? end_us - start_us : 0, now_us);
    }
  return TRUE;
}

/* -------------------------------------------------------------- the calls */

static void start_call (GTask *task);

static void
header_add (GPtrArray  *headers,
            const char *name,
            const char *value)
{
  g_ptr_array_add (headers, g_strdup_printf ("%s: %s", name, value));
}

static GBytes *
project_body (const char *project)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize len = 0;
  char *text;

  json_builder_begin_object (builder);
  if (project != NULL)
    {
      json_builder_set_member_name (builder, "project");
      json_builder_add_string_value (builder, project);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_take (text, len);
}

/* The method, URL, headers and body of @read's next call. */
static char *
build_call (Read       *read,
            GPtrArray  *headers,
            GBytes    **body)
{
  sy_autowipe char *bearer = g_strconcat ("Authorization: Bearer ", read->token, NULL);
  g_autofree char *agent = NULL;
  char *url = NULL;

  g_ptr_array_add (headers, g_steal_pointer (&bearer));
  header_add (headers, "Accept", "application/json");
  switch (read->kind)
    {
    case KIND_CLAUDE:
      read->what = g_strdup ("usage");
      url = g_strconcat (read->base, "/api/oauth/usage", NULL);
      header_add (headers, "Anthropic-Beta", CLAUDE_BETA);
      break;

    case KIND_CODEX:
      read->what = g_strdup ("usage");
      url = g_strconcat (read->base, "/backend-api/wham/usage", NULL);
      if (read->chatgpt_account != NULL)
        header_add (headers, "ChatGPT-Account-Id", read->chatgpt_account);
      break;

    case KIND_GEMINI_CLI:
      read->what = g_strdup ("retrieveUserQuota");
      url = g_strconcat (read->base, "/v1internal:retrieveUserQuota", NULL);
      header_add (headers, "Content-Type", "application/json");
      agent = sy_gemini_cli_user_agent (NULL);
      header_add (headers, "User-Agent", agent);
      header_add (headers, "X-Goog-Api-Client", SY_GEMINI_API_CLIENT);
      *body = project_body (read->project);
      break;

    case KIND_ANTIGRAVITY:
      read->what = g_strdup (read->stage == 0 ? "retrieveUserQuotaSummary" : "fetchAvailableModels");
      url = g_strconcat (read->base, "/v1internal:", read->what, NULL);
      header_add (headers, "Content-Type", "application/json");
      agent = sy_antigravity_user_agent ();
      header_add (headers, "User-Agent", agent);
      *body = project_body (read->project);
      break;

    case KIND_KIMI:
      {
        g_auto(GStrv) kimi = sy_kimi_headers_new (read->device_id);

        read->what = g_strdup ("usages");
        url = g_strconcat (read->base, "/coding/v1/usages", NULL);
        for (guint i = 0; kimi[i] != NULL && kimi[i + 1] != NULL; i += 2)
          header_add (headers, kimi[i], kimi[i + 1]);
      }
      break;

    case KIND_XAI:
      read->what = g_strdup ("billing");
      url = g_strconcat (read->base, "/v1/billing?format=credits", NULL);
      header_add (headers, "X-XAI-Token-Auth", XAI_TOKEN_AUTH);
      break;

    default:
      g_assert_not_reached ();
    }
  return url;
}

/* @text with every copy of the token blanked (an upstream may echo what it
 * refused), through the log's own masking too, as one printable line. */
static char *
shown_text (Read       *read,
            const char *text,
            gsize       len)
{
  g_autofree char *clean = g_utf8_make_valid (text, MIN (len, MAX_SHOWN_TEXT));
  g_autofree char *masked = NULL;
  GString *out;

  for (char *p = clean; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  out = g_string_new (clean);
  if (read->token != NULL && strlen (read->token) >= 4)
    g_string_replace (out, read->token, "[token]", 0);
  masked = sy_log_mask_secrets (out->str);
  g_string_free (out, TRUE);
  return g_strstrip (g_strdup (masked ? masked : ""));
}

/* The upstream's message: {"error": {"message"}} (Google, OpenAI,
 * Anthropic), {"error": "...", "message": "..."}, {"detail": "..."}, or
 * the start of a body that is not JSON. */
static char *
answer_message (Read       *read,
                JsonObject *answer)
{
  JsonObject *inner = object_member (answer, "error");
  const char *message = inner ? string_member (inner, "message") : NULL;

  if (message == NULL)
    message = string_member (answer, "message");
  if (message == NULL)
    message = string_member (answer, "detail");
  if (message == NULL)
    message = string_member (answer, "error");
  if (message != NULL)
    return shown_text (read, message, strlen (message));
  if (answer == NULL && read->answer->body->len > 0 && !read->answer->too_large)
    return shown_text (read, (const char *) read->answer->body->data, read->answer->body->len);
  return NULL;
}

static GError *
status_error (Read       *read,
              JsonObject *answer)
{
  g_autofree char *message = answer_message (read, answer);
  g_autofree char *detail = message && *message ? g_strconcat (": ", message, NULL) : g_strdup ("");
  guint status = read->answer->status;

  if (status == 401)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "%s %s: the token was refused (HTTP 401)%s", read->name, read->what, detail);
  if (status == 403)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "%s %s: not allowed for this account (HTTP 403)%s", read->name, read->what, detail);
  if (status == 429)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY, "%s %s: rate limited (HTTP 429%s%s)%s",
                        read->name, read->what, read->retry_after ? ", retry after " : "",
                        read->retry_after ? read->retry_after : "", detail);
  if (status >= 500)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: the service failed (HTTP %u)%s",
                        read->name, read->what, status, detail);
  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: HTTP %u%s", read->name, read->what, status, detail);
}

/* Retry-After, as one printable line of at most 40 characters. */
static char *
retry_after_of (SyHttpAnswer *answer)
{
  const char *retry = sy_http_answer_get_header (answer, "retry-after");
  g_autofree char *clean = NULL;

  if (retry == NULL || *retry == '\0')
    return NULL;
  clean = g_strndup (retry, 40);
  for (char *p = clean; *p != '\0'; p++)
    if (!g_ascii_isprint (*p))
      *p = ' ';
  return g_strdup (g_strstrip (clean));
}

static gboolean
parse_answer (Read       *read,
              JsonObject *answer,
              GPtrArray  *windows)
{
  gint64 now_us = sy_clock_now (read->clock);

  switch (read->kind)
    {
    case KIND_CLAUDE:
      return parse_claude (answer, now_us, windows);
    case KIND_CODEX:
      return parse_codex (answer, now_us, windows);
    case KIND_GEMINI_CLI:
      return parse_gemini_cli (answer, now_us, windows);
    case KIND_ANTIGRAVITY:
      return read->stage == 0 ? parse_antigravity_summary (answer, now_us, windows)
                              : parse_antigravity_models (answer, now_us, windows);
    case KIND_KIMI:
      return parse_kimi (answer, now_us, windows);
    case KIND_XAI:
      return parse_xai (answer, now_us, windows);
    default:
      g_assert_not_reached ();
    }
}

/* Antigravity's summary is for paid tiers (403 "You do not have a valid
 * license" otherwise), and may be missing (404) or empty: the models'
 * list answers then. */
static gboolean
summary_unusable (Read       *read,
                  JsonObject *answer)
{
  g_autoptr(GPtrArray) probe = NULL;

  if (read->answer->status == 403 || read->answer->status == 404)
    return TRUE;
  if (read->answer->status < 200 || read->answer->status >= 300)
    return FALSE;
  if (answer == NULL)
    return TRUE;
  probe = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  return !parse_antigravity_summary (answer, 0, probe);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Read *read = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  JsonObject *answer;
  guint status;

  read->answer = sy_http_fetch_finish (result, &error);
  if (read->answer == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code, "%s %s: %s", read->name, read->what,
                               error->message);
      g_object_unref (task);
      return;
    }
  answer = read->answer->object;
  status = read->answer->status;
  read->retry_after = retry_after_of (read->answer);
  g_debug ("%s: %s %s: HTTP %u", read->account_id, read->method, read->log_url, status);

  if (read->kind == KIND_ANTIGRAVITY && read->stage == 0 && summary_unusable (read, answer))
    {
      g_debug ("%s: no quota summary (HTTP %u), asking for the models", read->account_id, status);
      read->stage = 1;
      call_clear (read);
      start_call (task);
      return;
    }

  if (status < 200 || status >= 300)
    g_task_return_error (task, status_error (read, answer));
  else if (answer == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s %s: HTTP %u without a JSON object",
                             read->name, read->what, status);
  else
    {
      windows = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
      if (parse_answer (read, answer, windows))
        g_task_return_pointer (task, g_steal_pointer (&windows), (GDestroyNotify) g_ptr_array_unref);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 "%s %s: the answer holds no usage", read->name, read->what);
    }
  g_object_unref (task);
}

static void
header_wipe (gpointer data)
{
  wipe (data);
}

static void
start_call (GTask *task)
{
  Read *read = g_task_get_task_data (task);
  SyHttpRequestInfo info = { 0 };
  /* The bearer header is wiped as soon as the call has its copy. */
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (header_wipe);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;

  url = build_call (read, headers, &body);
  g_ptr_array_add (headers, NULL);
  read->method = body ? "POST" : "GET";
  read->log_url = g_strndup (url, strcspn (url, "?#"));

  info.method = read->method;
  info.url = url;
  info.headers = (const char * const *) headers->pdata;
  info.body = body;
  info.proxy_url = read->proxy_url;
  info.connect_timeout_s = 30;
  info.idle_timeout_s = 60;
  g_debug ("%s: %s %s", read->account_id, info.method, read->log_url);
  sy_http_fetch_async (read->http, &info, MAX_ANSWER_SIZE, g_task_get_cancellable (task), on_fetched, task);
}

/* ---------------------------------------------------------------- the read */

static int
kind_index (const SyAccount *account)
{
  if (account == NULL || account->credential == NULL || account->provider == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kinds[i].provider, account->provider) == 0)
      return (int) i;
  return -1;
}

gboolean
sy_quota_reader_supports (const SyAccount *account)
{
  return kind_index (account) >= 0;
}

/* The Google project of a Gemini Code Assist account: the one its id names
 * ("<login id>/<project>", a login serving several), else the login's. */
static const char *
account_project (SyAccount *account)
{
  const char *login = sy_credential_get_id (account->credential);
  gsize len = login ? strlen (login) : 0;

  if (login != NULL && strncmp (account->id, login, len) == 0 && account->id[len] == '/' &&
      account->id[len + 1] != '\0')
    return account->id + len + 1;
  return sy_credential_get_extra (account->credential, "project_id");
}

/* endpoints.<provider>.usage, else .api (where the usage calls live at
 * every provider), else the real service. */
static char *
usage_base (SyConfig   *config,
            const char *provider,
            const char *real)
{
  char *base = sy_config_endpoint (config, provider, "usage", NULL);

  if (base != NULL)
    return base;
  return sy_config_endpoint (config, provider, "api", real);
}

static const char *
account_proxy (SyConfig  *config,
               SyAccount *account)
{
  if (account->entry != NULL && account->entry->proxy_url != NULL && *account->entry->proxy_url != '\0')
    return account->entry->proxy_url;
  if (config != NULL && config->proxy_url != NULL && *config->proxy_url != '\0')
    return config->proxy_url;
  return NULL;
}

void
sy_quota_reader_read_full_async (SyHttpClient        *http,
                                 SyConfig            *config,
                                 SyAccount           *account,
                                 SyClock             *clock,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  Read *read;
  int index;
  const char *token;

  g_return_if_fail (SY_IS_HTTP_CLIENT (http));
  g_return_if_fail (account != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_quota_reader_read_full_async);
  index = kind_index (account);
  if (index < 0)
    {
      if (account->credential == NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                 "%s: an API key has no usage endpoint to ask", account->id);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                 "%s: %s logins have no usage endpoint to ask", account->id, account->provider);
      g_object_unref (task);
      return;
    }
  token = sy_credential_get_access_token (account->credential);
  if (token == NULL || *token == '\0' ||
      sy_credential_get_status (account->credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               "the %s login %s needs a new sign-in", kinds[index].name,
                               sy_credential_get_label (account->credential));
      g_object_unref (task);
      return;
    }

  read = g_new0 (Read, 1);
  read->kind = kinds[index].kind;
  read->name = kinds[index].name;
  read->account_id = g_strdup (account->id);
  read->base = usage_base (config, kinds[index].provider, kinds[index].api);
  read->proxy_url = g_strdup (account_proxy (config, account));
  read->token = g_strdup (token);
  read->chatgpt_account = g_strdup (sy_credential_get_extra (account->credential, "account_id"));
  read->device_id = g_strdup (sy_credential_get_extra (account->credential, "device_id"));
  if (read->kind == KIND_GEMINI_CLI)
    read->project = g_strdup (account_project (account));
  else if (read->kind == KIND_ANTIGRAVITY)
    read->project = g_strdup (sy_credential_get_extra (account->credential, "project_id"));
  read->clock = sy_clock_ref (clock ? clock : sy_clock_get_default ());
  read->http = g_object_ref (http);
  g_task_set_task_data (task, read, (GDestroyNotify) read_free);

  if (read->kind == KIND_GEMINI_CLI && (read->project == NULL || *read->project == '\0'))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "the Gemini Code Assist login %s has no Google Cloud project",
                               sy_credential_get_label (account->credential));
      g_object_unref (task);
      return;
    }
  start_call (task);
}

void
sy_quota_reader_read_async (SyHttpClient        *http,
                            SyConfig            *config,
                            SyAccount           *account,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  sy_quota_reader_read_full_async (http, config, account, NULL, cancellable, callback, user_data);
}

GPtrArray *
sy_quota_reader_read_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
