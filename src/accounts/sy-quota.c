/* sy-quota.c: quota windows of an account, read from traffic
 *
 * Three readers, each pure (the wall clock comes in as a parameter):
 *
 *   headers  Claude OAuth answers carry anthropic-ratelimit-unified-*
 *            (utilization as a fraction 0..1, reset as unix seconds, a
 *            status per window); Codex answers carry x-codex-primary-* and
 *            x-codex-secondary-* (used percent 0..100, window minutes, reset
 *            as unix seconds or seconds from now).
 *   events   Codex streams a "codex.rate_limits" event with the same
 *            numbers, and "response.failed" with usage_limit_reached.
 *   errors   429 bodies that name a reset time: Google RPC errors (per
 *            model), Codex usage_limit_reached (the account). The delay
 *            itself is read by sy_failure_classify(), as for the cooldown.
 *
 * docs/quota.md lists what is read from where.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-accounts"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-cooldown.h"
#include "sy-quota.h"

#define MINUTE_US   (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR_US     (60 * MINUTE_US)
#define DAY_US      (24 * HOUR_US)

/* A Google 429 whose delay is shorter than this, without QUOTA_EXHAUSTED,
 * is a per-minute rate limit, not a quota that ran out (the threshold
 * CLIProxyAPI's Antigravity executor uses). */
#define SHORT_LIMIT_US (5 * MINUTE_US)

/* Unix times above this are milliseconds (in seconds it is the year 5138). */
#define UNIX_MS_ABOVE 1e11

/* -- Windows ------------------------------------------------------------------ */

SyQuotaWindow *
sy_quota_window_new (const char    *id,
                     const char    *label,
                     const char    *model,
                     double         remaining,
                     gint64         reset_us,
                     gint64         window_us,
                     gint64         observed_us,
                     SyQuotaSource  source)
{
  SyQuotaWindow *window;

  g_return_val_if_fail (id != NULL, NULL);

  window = g_new0 (SyQuotaWindow, 1);
  window->id = g_strdup (id);
  window->label = g_strdup (label != NULL ? label : id);
  window->model = g_strdup (model);
  /* Unknown stays -1; a known fraction is kept within 0..1. */
  window->remaining = remaining < 0 || isnan (remaining) ? -1 : MIN (remaining, 1.0);
  window->reset_us = MAX (reset_us, 0);
  window->window_us = MAX (window_us, 0);
  window->observed_us = observed_us;
  window->source = source;
  return window;
}

SyQuotaWindow *
sy_quota_window_copy (const SyQuotaWindow *window)
{
  SyQuotaWindow *copy;

  g_return_val_if_fail (window != NULL, NULL);

  copy = g_new (SyQuotaWindow, 1);
  *copy = *window;
  copy->id = g_strdup (window->id);
  copy->label = g_strdup (window->label);
  copy->model = g_strdup (window->model);
  return copy;
}

void
sy_quota_window_free (SyQuotaWindow *window)
{
  if (window == NULL)
    return;
  g_free (window->id);
  g_free (window->label);
  g_free (window->model);
  g_free (window);
}

gboolean
sy_quota_window_meters (const SyQuotaWindow *window,
                        const char          *model)
{
  g_autofree char *pattern = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (window != NULL, FALSE);

  if (window->model == NULL)
    return TRUE;
  if (model == NULL)
    return FALSE;
  if (strchr (window->model, '*') == NULL)
    return g_ascii_strcasecmp (window->model, model) == 0;
  pattern = g_ascii_strdown (window->model, -1);
  name = g_ascii_strdown (model, -1);
  return g_pattern_match_simple (pattern, name);
}

static const char * const source_names[] = {
  [SY_QUOTA_SOURCE_HEADERS] = "headers",
  [SY_QUOTA_SOURCE_EVENT] = "event",
  [SY_QUOTA_SOURCE_ERROR] = "error",
  [SY_QUOTA_SOURCE_ACTIVE] = "active",
};

const char *
sy_quota_source_to_string (SyQuotaSource source)
{
  if ((guint) source < G_N_ELEMENTS (source_names))
    return source_names[source];
  return "headers";
}

SyQuotaSource
sy_quota_source_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (source_names); i++)
    if (g_strcmp0 (source_names[i], text) == 0)
      return (SyQuotaSource) i;
  return SY_QUOTA_SOURCE_HEADERS;
}

/* RFC 3339 in UTC, to the second. */
static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 gint64       time_us)
{
  g_autofree char *text = format_time (time_us);

  if (text == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

JsonNode *
sy_quota_window_to_json (const SyQuotaWindow *window)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (window != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, window->id);
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, window->label != NULL ? window->label : window->id);
  if (window->model != NULL)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, window->model);
    }
  json_builder_set_member_name (builder, "remaining");
  if (window->remaining >= 0)
    json_builder_add_double_value (builder, window->remaining);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "used_percent");
  if (window->remaining >= 0)
    /* Two decimals: 1 - 0.58 is not exactly 0.42. */
    json_builder_add_double_value (builder, round ((1.0 - window->remaining) * 10000.0) / 100.0);
  else
    json_builder_add_null_value (builder);
  if (window->reset_us > 0)
    add_time_member (builder, "reset_at", window->reset_us);
  if (window->window_us > 0)
    {
      json_builder_set_member_name (builder, "window_seconds");
      json_builder_add_int_value (builder, window->window_us / G_USEC_PER_SEC);
    }
  add_time_member (builder, "observed_at", window->observed_us);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, sy_quota_source_to_string (window->source));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* -- Reading values ------------------------------------------------------------ */

/* A whole string holding a finite number, spaces around it allowed. */
static gboolean
parse_number (const char *text,
              double     *out)
{
  g_autofree char *copy = NULL;
  char *end = NULL;
  double value;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    return FALSE;
  value = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (value))
    return FALSE;
  *out = value;
  return TRUE;
}

static gint64
unix_to_us (double unix_time)
{
  if (unix_time > UNIX_MS_ABOVE)
    unix_time /= 1000.0;
  /* Far beyond any reset (past the year 5138): unknown, since 10^13
   * seconds, which this once allowed, do not fit in microseconds. */
  if (!(unix_time > 0) || unix_time > 1e11)
    return 0;
  return (gint64) (unix_time * G_USEC_PER_SEC + 0.5);
}

/* Unix seconds (or milliseconds), or an RFC 3339 / ISO 8601 date. */
static gboolean
parse_time (const char *text,
            gint64     *out_us)
{
  double value;
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) date = NULL;

  if (text == NULL)
    return FALSE;
  if (parse_number (text, &value))
    {
      *out_us = unix_to_us (value);
      return *out_us > 0;
    }
  utc = g_time_zone_new_utc ();
  date = g_date_time_new_from_iso8601 (text, utc);
  if (date == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (date) * G_USEC_PER_SEC + g_date_time_get_microsecond (date);
  return *out_us > 0;
}

/* Seconds from @now_us; negative or absurd values are refused. */
static gboolean
parse_after (double  seconds,
             gint64  now_us,
             gint64 *out_us)
{
  if (!(seconds >= 0) || seconds > 1e9)
    return FALSE;
  *out_us = now_us + (gint64) (seconds * G_USEC_PER_SEC + 0.5);
  return TRUE;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A number, or a string holding one ("30"). */
static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out = json_node_get_double (node);
      return isfinite (*out);
    case G_TYPE_STRING:
      return parse_number (json_node_get_string (node), out);
    default:
      return FALSE;
    }
}

/* A time member: unix seconds (number or string) or an RFC 3339 string. */
static gboolean
member_time (JsonObject *object,
             const char *name,
             gint64     *out_us)
{
  double value;
  const char *text;

  if (member_number (object, name, &value))
    {
      *out_us = unix_to_us (value);
      return *out_us > 0;
    }
  text = member_string (object, name);
  return text != NULL && parse_time (text, out_us);
}

SyQuotaWindow *
sy_quota_window_from_json (JsonNode *node)
{
  JsonObject *object;
  const char *id;
  double remaining = -1;
  double seconds = 0;
  gint64 reset_us = 0;
  gint64 observed_us = 0;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  id = member_string (object, "id");
  if (id == NULL || *id == '\0')
    return NULL;
  if (!member_number (object, "remaining", &remaining))
    remaining = -1;
  member_time (object, "reset_at", &reset_us);
  member_time (object, "observed_at", &observed_us);
  if (!member_number (object, "window_seconds", &seconds) || !(seconds > 0) || seconds > 1e9)
    seconds = 0;
  return sy_quota_window_new (id, member_string (object, "label"), member_string (object, "model"),
                              remaining, reset_us, (gint64) seconds * G_USEC_PER_SEC, observed_us,
                              sy_quota_source_from_string (member_string (object, "source")));
}

/* "5-hour", "Weekly", "Daily", "90-minute"...; NULL when unknown. */
static char *
label_for_length (gint64 window_us)
{
  if (window_us <= 0)
    return NULL;
  if (window_us == 7 * DAY_US)
    return g_strdup ("Weekly");
  if (window_us == DAY_US)
    return g_strdup ("Daily");
  if (window_us % DAY_US == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "-day", window_us / DAY_US);
  if (window_us % HOUR_US == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "-hour", window_us / HOUR_US);
  return g_strdup_printf ("%" G_GINT64_FORMAT "-minute", MAX (window_us / MINUTE_US, 1));
}

static GPtrArray *
windows_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
}

static SyQuotaWindow *
find_window (GPtrArray  *windows,
             const char *id)
{
  for (guint i = 0; i < windows->len; i++)
    {
      SyQuotaWindow *window = g_ptr_array_index (windows, i);

      if (g_str_equal (window->id, id))
        return window;
    }
  return NULL;
}

/* -- Claude (anthropic-ratelimit-unified-*) ---------------------------------- */

typedef struct
{
  const char *tag;         /* in the header names */
  const char *id;          /* also the representative-claim value */
  const char *label;
  const char *model;
  gint64      length_us;
} ClaudeWindow;

/* The weekly Opus and Sonnet windows meter those families only. The
 * overage ("extra usage") pool is left out: it is spent after the windows
 * run out, so it does not limit what is left of them. */
static const ClaudeWindow claude_windows[] = {
  { "5h", "five_hour", "5-hour", NULL, 5 * HOUR_US },
  { "7d", "seven_day", "Weekly", NULL, 7 * DAY_US },
  { "7d_opus", "seven_day_opus", "Weekly (Opus)", "*opus*", 7 * DAY_US },
  { "7d_sonnet", "seven_day_sonnet", "Weekly (Sonnet)", "*sonnet*", 7 * DAY_US },
};

static const char *
lookup_header (SyQuotaHeaderLookup  lookup,
               gpointer             data,
               const char          *format,
               const char          *part)
{
  /* Every name here is short and fixed: a buffer on the stack (this runs
   * on each upstream answer that carries quota headers). */
  char name[96];
  gsize a = strlen (format), b = strlen (part);

  if (a + b >= sizeof name)
    return NULL;
  memcpy (name, format, a);
  memcpy (name + a, part, b + 1);
  return lookup (data, name);
}

static void
claude_from_headers (SyQuotaHeaderLookup  lookup,
                     gpointer             data,
                     gint64               now_us,
                     GPtrArray           *out)
{
  const char *status;
  const char *claim;
  gint64 reset_us = 0;

  for (guint i = 0; i < G_N_ELEMENTS (claude_windows); i++)
    {
      const ClaudeWindow *cw = &claude_windows[i];
      char prefix[64];
      const char *window_status;
      double utilization;
      double remaining = -1;

      g_snprintf (prefix, sizeof prefix, "anthropic-ratelimit-unified-%s-", cw->tag);
      window_status = lookup_header (lookup, data, prefix, "status");
      reset_us = 0;
      if (parse_number (lookup_header (lookup, data, prefix, "utilization"), &utilization) &&
          utilization >= 0)
        /* Utilization is a fraction; above 1 (overage) nothing is left. */
        remaining = CLAMP (1.0 - utilization, 0.0, 1.0);
      if (g_strcmp0 (window_status, "rejected") == 0)
        remaining = 0;
      if (remaining < 0)
        continue;
      parse_time (lookup_header (lookup, data, prefix, "reset"), &reset_us);
      g_ptr_array_add (out, sy_quota_window_new (cw->id, cw->label, cw->model, remaining, reset_us,
                                                 cw->length_us, now_us, SY_QUOTA_SOURCE_HEADERS));
    }

  /* A refusal names the window that caused it; its own headers may be
   * missing (a 429 can carry only the unified ones). */
  status = lookup (data, "anthropic-ratelimit-unified-status");
  claim = lookup (data, "anthropic-ratelimit-unified-representative-claim");
  if (g_strcmp0 (status, "rejected") != 0 || claim == NULL)
    return;
  reset_us = 0;
  parse_time (lookup (data, "anthropic-ratelimit-unified-reset"), &reset_us);
  for (guint i = 0; i < G_N_ELEMENTS (claude_windows); i++)
    {
      const ClaudeWindow *cw = &claude_windows[i];
      SyQuotaWindow *window;

      if (!g_str_equal (claim, cw->id))
        continue;
      window = find_window (out, cw->id);
      if (window == NULL)
        g_ptr_array_add (out, sy_quota_window_new (cw->id, cw->label, cw->model, 0, reset_us,
                                                   cw->length_us, now_us, SY_QUOTA_SOURCE_HEADERS));
      else
        {
          window->remaining = 0;
          if (window->reset_us == 0)
            window->reset_us = reset_us;
        }
    }
}

/* -- Codex ---------------------------------------------------------------------- */

/* One Codex window from its numbers; NULL without a used percent. */
static SyQuotaWindow *
codex_window (const char    *slot,
              gboolean       have_used,
              double         used_percent,
              double         minutes,
              gint64         reset_us,
              gint64         now_us,
              SyQuotaSource  source)
{
  g_autofree char *label = NULL;
  gint64 length_us = 0;

  if (!have_used || !(used_percent >= 0))
    return NULL;
  if (minutes > 0 && minutes < 1e7)
    length_us = (gint64) minutes * MINUTE_US;
  label = label_for_length (length_us);
  if (label == NULL)
    label = g_strdup (g_str_equal (slot, "primary") ? "Primary" : "Secondary");
  return sy_quota_window_new (slot, label, NULL, CLAMP (1.0 - used_percent / 100.0, 0.0, 1.0),
                              reset_us, length_us, now_us, source);
}

static void
codex_from_headers (SyQuotaHeaderLookup  lookup,
                    gpointer             data,
                    gint64               now_us,
                    GPtrArray           *out)
{
  static const char * const slots[] = { "primary", "secondary" };

  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      char prefix[32];
      double used = -1, minutes = 0, after;
      gint64 reset_us = 0;
      gboolean have_used;
      SyQuotaWindow *window;

      g_snprintf (prefix, sizeof prefix, "x-codex-%s-", slots[i]);
      have_used = parse_number (lookup_header (lookup, data, prefix, "used-percent"), &used);

      if (!parse_number (lookup_header (lookup, data, prefix, "window-minutes"), &minutes))
        minutes = 0;
      /* reset-at (newer) wins over the older reset-after-seconds. */
      if (!parse_time (lookup_header (lookup, data, prefix, "reset-at"), &reset_us) &&
          (!parse_number (lookup_header (lookup, data, prefix, "reset-after-seconds"), &after) ||
           !parse_after (after, now_us, &reset_us)))
        reset_us = 0;
      window = codex_window (slots[i], have_used, used, minutes, reset_us, now_us, SY_QUOTA_SOURCE_HEADERS);
      if (window != NULL)
        g_ptr_array_add (out, window);
    }
}

const char * const *
sy_quota_header_prefixes (void)
{
  static const char * const prefixes[] = { "anthropic-ratelimit-unified-", "x-codex-", NULL };

  return prefixes;
}

GPtrArray *
sy_quota_from_headers (const char          *provider,
                       SyQuotaHeaderLookup  lookup,
                       gpointer             data,
                       gint64               now_us)
{
  GPtrArray *out = windows_new ();

  g_return_val_if_fail (lookup != NULL, out);

  /* Each family is only ever sent by its own upstream: no need to trust
   * the provider name (an OpenAI-compatible relay may pass them on). */
  claude_from_headers (lookup, data, now_us, out);
  codex_from_headers (lookup, data, now_us, out);
  return out;
}

/* usage_limit_reached (an error object of a 429 body or a failed stream):
 * the account is out until the reset it names. */
static SyQuotaWindow *
usage_limit_window (gint64        reset_us,
                    gint64        now_us,
                    SyQuotaSource source)
{
  return sy_quota_window_new ("usage_limit", "Usage limit", NULL, 0, reset_us, 0, now_us, source);
}

static gboolean
codex_error_reset (JsonObject *error,
                   gint64      now_us,
                   gint64     *reset_us)
{
  double seconds;

  if (member_time (error, "resets_at", reset_us))
    return TRUE;
  return member_number (error, "resets_in_seconds", &seconds) && parse_after (seconds, now_us, reset_us);
}

static void
codex_event_window (JsonObject   *limits,
                    const char   *slot,
                    gint64        now_us,
                    GPtrArray    *out)
{
  JsonObject *w = member_object (limits, slot);
  double used = -1, minutes = 0, seconds;
  gboolean have_used;
  gint64 reset_us = 0;
  SyQuotaWindow *window;

  if (w == NULL)
    return;
  have_used = member_number (w, "used_percent", &used);
  if (!member_number (w, "window_minutes", &minutes))
    minutes = 0;
  /* codex-rs reads reset_at; other senders spell it resets_at, or count
   * seconds with resets_in_seconds / reset_after_seconds. */
  if (!member_time (w, "reset_at", &reset_us) &&
      !member_time (w, "resets_at", &reset_us) &&
      !((member_number (w, "resets_in_seconds", &seconds) ||
         member_number (w, "reset_after_seconds", &seconds)) &&
        parse_after (seconds, now_us, &reset_us)))
    reset_us = 0;
  window = codex_window (slot, have_used, used, minutes, reset_us, now_us, SY_QUOTA_SOURCE_EVENT);
  if (window != NULL)
    g_ptr_array_add (out, window);
}

GPtrArray *
sy_quota_from_event (const char *provider,
                     const char *event,
                     JsonNode   *data,
                     gint64      now_us)
{
  GPtrArray *out = windows_new ();
  JsonObject *object;
  const char *type;

  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return out;
  object = json_node_get_object (data);
  type = member_string (object, "type");

  if (g_strcmp0 (event, "codex.rate_limits") == 0 || g_strcmp0 (type, "codex.rate_limits") == 0)
    {
      const char *limit = member_string (object, "metered_limit_name");
      JsonObject *limits = member_object (object, "rate_limits");

      if (limit == NULL)
        limit = member_string (object, "limit_name");
      /* Another limit family (a model-specific one such as
       * "codex_bengalfox") does not say which models it meters: reading it
       * as the account's windows would be wrong. */
      if (limit != NULL && g_ascii_strcasecmp (limit, "codex") != 0)
        return out;
      codex_event_window (limits, "primary", now_us, out);
      codex_event_window (limits, "secondary", now_us, out);
      return out;
    }

  /* A stream that failed with the usage limit: {"type":"response.failed",
   * "response":{"error":{...}}} or {"type":"error","error":{...}}. */
  if (g_strcmp0 (type, "response.failed") == 0 || g_strcmp0 (type, "error") == 0 ||
      g_strcmp0 (event, "response.failed") == 0 || g_strcmp0 (event, "error") == 0)
    {
      JsonObject *error = member_object (member_object (object, "response"), "error");
      const char *kind;
      gint64 reset_us = 0;

      if (error == NULL)
        error = member_object (object, "error");
      kind = member_string (error, "type");
      if (kind == NULL)
        kind = member_string (error, "code");
      if (g_strcmp0 (kind, "usage_limit_reached") == 0 && codex_error_reset (error, now_us, &reset_us))
        g_ptr_array_add (out, usage_limit_window (reset_us, now_us, SY_QUOTA_SOURCE_EVENT));
    }
  return out;
}

/* -- Error bodies -------------------------------------------------------------- */

/* Providers whose quota is counted per model (Google's). */
static gboolean
meters_per_model (const char *provider)
{
  return provider != NULL &&
         (g_str_has_prefix (provider, "gemini") || g_str_equal (provider, "antigravity") ||
          g_str_has_prefix (provider, "vertex") || g_str_equal (provider, "aistudio"));
}

typedef struct
{
  gboolean    found;        /* a google.rpc.ErrorInfo */
  const char *reason;       /* QUOTA_EXHAUSTED, RATE_LIMIT_EXCEEDED... */
  const char *model;        /* metadata.model */
  gint64      reset_us;     /* metadata.quotaResetTimeStamp, 0 when absent */
} GoogleInfo;

static void
google_info (JsonObject *error,
             GoogleInfo *info)
{
  JsonNode *details = json_object_get_member (error, "details");
  JsonArray *array;

  memset (info, 0, sizeof *info);
  if (details == NULL || !JSON_NODE_HOLDS_ARRAY (details))
    return;
  array = json_node_get_array (details);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *detail, *metadata;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      detail = json_node_get_object (node);
      type = member_string (detail, "@type");
      if (type == NULL || !g_str_has_suffix (type, "google.rpc.ErrorInfo") || info->found)
        continue;
      info->found = TRUE;
      info->reason = member_string (detail, "reason");
      metadata = member_object (detail, "metadata");
      info->model = member_string (metadata, "model");
      if (!parse_time (member_string (metadata, "quotaResetTimeStamp"), &info->reset_us))
        info->reset_us = 0;
    }
}

GPtrArray *
sy_quota_from_error_body (const char *provider,
                          const char *model,
                          guint       status,
                          const char *body,
                          gsize       len,
                          gint64      now_us)
{
  GPtrArray *out = windows_new ();
  g_autofree char *text = NULL;
  g_autofree char *lower = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *error = NULL;
  SyFailure failure;
  GoogleInfo google = { 0 };

  if (body == NULL || len == 0)
    return out;
  /* The delay, as the cooldown reads it: Google's RetryInfo then
   * quotaResetDelay, Codex's resets_at then resets_in_seconds. A 403 that
   * words a quota comes back as a 429. */
  sy_failure_classify (status, body, len, NULL, now_us, &failure);
  if (failure.reason != SY_FAILURE_QUOTA)
    return out;

  text = g_strndup (body, MIN (len, SY_COOLDOWN_BODY_MAX));
  lower = g_ascii_strdown (text, -1);
  parser = json_parser_new ();
  error = sy_failure_parse_error (parser, text, NULL);
  if (error == NULL)
    return out;
  google_info (error, &google);

  if (google.found || meters_per_model (provider))
    {
      const char *metered = google.model != NULL ? google.model : model;
      gint64 reset_us = google.reset_us;
      gboolean exhausted;
      g_autofree char *id = NULL;

      if (reset_us == 0 && failure.retry_after_us >= 0)
        reset_us = now_us + failure.retry_after_us;
      if (metered == NULL || *metered == '\0' || reset_us <= now_us)
        return out;
      exhausted = g_strcmp0 (google.reason, "QUOTA_EXHAUSTED") == 0 ||
                  strstr (lower, "quota_exhausted") != NULL ||
                  strstr (lower, "quota exhausted") != NULL ||
                  reset_us - now_us >= SHORT_LIMIT_US;
      if (!exhausted)
        return out;
      id = g_strconcat ("model:", metered, NULL);
      g_ptr_array_add (out, sy_quota_window_new (id, metered, metered, 0, reset_us, 0, now_us,
                                                 SY_QUOTA_SOURCE_ERROR));
      return out;
    }

  /* Codex usage_limit_reached, or any body naming resets_at /
   * resets_in_seconds: the account's limit, out until then. A delay read
   * from free text ("try again after 17s") names no window. */
  if (failure.retry_after_us >= 0 &&
      (json_object_has_member (error, "resets_at") || json_object_has_member (error, "resets_in_seconds")))
    g_ptr_array_add (out, usage_limit_window (now_us + failure.retry_after_us, now_us, SY_QUOTA_SOURCE_ERROR));
  return out;
}

/* -- Forecast ----------------------------------------------------------------- */

static gboolean
same_reset (gint64 a,
            gint64 b)
{
  return (a == 0 && b == 0) || (a != 0 && b != 0 && ABS (a - b) <= SY_QUOTA_RESET_SLACK_US);
}

gboolean
sy_quota_forecast (const SyQuotaWindow * const *readings,
                   guint                        n_readings,
                   gint64                       now_us,
                   gint64                      *exhausted_us)
{
  g_autoptr(GPtrArray) run = g_ptr_array_new ();
  const SyQuotaWindow *latest = NULL;
  const SyQuotaWindow *first;
  double mean_t = 0, mean_u = 0, sxx = 0, sxy = 0, slope;
  double seconds_left;
  gint64 exhausted;

  g_return_val_if_fail (exhausted_us != NULL, FALSE);
  *exhausted_us = 0;

  /* The run since the last reset, newest first. */
  for (guint i = n_readings; i > 0; i--)
    {
      const SyQuotaWindow *r = readings[i - 1];

      if (r == NULL || r->remaining < 0 || r->observed_us > now_us)
        continue;
      if (latest == NULL)
        latest = r;
      else
        {
          const SyQuotaWindow *later = g_ptr_array_index (run, run->len - 1);

          /* Another reset time, or more left afterwards: a reset lies between. */
          if (!same_reset (r->reset_us, latest->reset_us) || later->remaining > r->remaining)
            break;
        }
      g_ptr_array_add (run, (gpointer) r);
    }
  if (run->len < 2)
    return FALSE;
  first = g_ptr_array_index (run, run->len - 1);
  if (latest->observed_us - first->observed_us < SY_QUOTA_FORECAST_MIN_SPAN_US)
    return FALSE;
  if (latest->reset_us != 0 && latest->reset_us <= now_us)
    return FALSE;     /* it has reset already */

  /* Least squares of the used fraction over time, in seconds from the
   * first reading (small numbers keep the sums exact enough). */
  for (guint i = 0; i < run->len; i++)
    {
      const SyQuotaWindow *r = g_ptr_array_index (run, i);

      mean_t += (double) (r->observed_us - first->observed_us) / G_USEC_PER_SEC;
      mean_u += 1.0 - r->remaining;
    }
  mean_t /= run->len;
  mean_u /= run->len;
  for (guint i = 0; i < run->len; i++)
    {
      const SyQuotaWindow *r = g_ptr_array_index (run, i);
      double dt = (double) (r->observed_us - first->observed_us) / G_USEC_PER_SEC - mean_t;

      sxx += dt * dt;
      sxy += dt * ((1.0 - r->remaining) - mean_u);
    }
  if (!(sxx > 0))
    return FALSE;
  slope = sxy / sxx;            /* used fraction per second */
  /* Below about one percent a year it is idle, not burning. */
  if (!(slope > 1e-12))
    return FALSE;

  seconds_left = latest->remaining / slope;
  if (seconds_left > 1e10)
    return FALSE;
  exhausted = now_us + (gint64) (seconds_left * G_USEC_PER_SEC);
  if (latest->reset_us != 0 && exhausted >= latest->reset_us)
    return FALSE;
  *exhausted_us = exhausted;
  return TRUE;
}
