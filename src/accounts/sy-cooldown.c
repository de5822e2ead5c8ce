/* sy-cooldown.c: what a failed upstream answer means for its account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "sy-cooldown.h"
#include "sy-json-guard.h"

/* Nesting deeper than this is not an error body; json-glib's parser recurses
 * per level, so such input goes to the plain-text checks instead. */
#define MAX_JSON_DEPTH 64

#define RETRY_MAX_NS   (SY_COOLDOWN_RETRY_MAX_US * 1000)

/* Lower-case phrases that make a 400/422 a "model not supported" failure. */
static const char * const model_not_supported_phrases[] = {
  "model_not_supported",
  "requested model is not supported",
  "requested model is unsupported",
  "requested model is unavailable",
  "model is not supported",
  "model not supported",
  "unsupported model",
  "model unavailable",
  "not available for your plan",
  "not available for your account",
};

/* Codex answers these (with any status) when the model is overloaded; it is
 * treated like a rate limit so another account or a later retry is used. */
static const char * const capacity_phrases[] = {
  "selected model is at capacity",
  "model is at capacity. please try a different model",
};

/* Quota wording on a 403 (Qwen, Google): really a 429. */
static const char * const quota_phrases[] = {
  "insufficient_quota",
  "quota_exceeded",
  "quota exceeded",
  "free allocated quota exceeded",
  "resource_exhausted",
};

static gboolean
contains_any (const char        *haystack,
              const char * const *needles,
              gsize               n_needles)
{
  gsize i;

  for (i = 0; i < n_needles; i++)
    if (strstr (haystack, needles[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* --------------------------------------------------------------- durations */

static gint64
seconds_to_us (double seconds)
{
  if (!(seconds > 0))    /* negative, zero, NaN */
    return 0;
  if (seconds >= (double) (SY_COOLDOWN_RETRY_MAX_US / SY_COOLDOWN_SECOND_US))
    return SY_COOLDOWN_RETRY_MAX_US;
  return (gint64) (seconds * 1e6 + 0.5);
}

static gint64
clamp_us (gint64 us)
{
  return CLAMP (us, 0, SY_COOLDOWN_RETRY_MAX_US);
}

typedef struct
{
  const char *name;
  gint64      ns;
} Unit;

/* "ms" before "m": units are matched as prefixes of what follows a number. */
static const Unit units[] = {
  { "ns", 1 },
  { "us", 1000 },
  { "\xc2\xb5s", 1000 },                /* U+00B5 MICRO SIGN */
  { "\xce\xbcs", 1000 },                /* U+03BC GREEK SMALL LETTER MU */
  { "ms", 1000 * 1000 },
  { "s", G_GINT64_CONSTANT (1000000000) },
  { "m", G_GINT64_CONSTANT (60) * 1000000000 },
  { "h", G_GINT64_CONSTANT (3600) * 1000000000 },
};

static const Unit *
match_unit (const char *p)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (units); i++)
    if (strncmp (p, units[i].name, strlen (units[i].name)) == 0)
      return &units[i];
  return NULL;
}

gboolean
sy_parse_duration (const char *text,
                   gint64     *out_us)
{
  const char *p = text;
  gint64 total_ns = 0;

  g_return_val_if_fail (out_us != NULL, FALSE);

  if (text == NULL || *text == '\0')
    return FALSE;
  if (strcmp (text, "0") == 0)
    {
      *out_us = 0;
      return TRUE;
    }

  while (*p != '\0')
    {
      guint64 whole = 0;
      gboolean whole_too_big = FALSE;
      guint64 frac = 0;
      guint frac_digits = 0;
      gboolean any_digit = FALSE;
      double scale = 1;
      const Unit *unit;
      gint64 ns;

      for (; g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (whole > (G_MAXUINT64 - 9) / 10)
            whole_too_big = TRUE;
          else
            whole = whole * 10 + (guint64) (*p - '0');
        }
      if (*p == '.')
        for (p++; g_ascii_isdigit (*p); p++)
          {
            any_digit = TRUE;
            /* Nine digits are ns for seconds; more only adds noise. */
            if (frac_digits < 9)
              {
                frac = frac * 10 + (guint64) (*p - '0');
                frac_digits++;
                scale *= 10;
              }
          }
      if (!any_digit)
        return FALSE;
      unit = match_unit (p);
      if (unit == NULL)
        return FALSE;
      p += strlen (unit->name);

      if (whole_too_big || whole > (guint64) (RETRY_MAX_NS / unit->ns))
        ns = RETRY_MAX_NS;
      else
        /* The fraction in double: frac * unit->ns can exceed 64 bits. */
        ns = (gint64) whole * unit->ns +
             (gint64) ((double) frac * (double) unit->ns / scale + 0.5);
      /* Both terms are at most RETRY_MAX_NS plus an hour: no overflow. */
      total_ns = MIN (total_ns + ns, RETRY_MAX_NS);
    }

  *out_us = clamp_us (total_ns / 1000);
  return TRUE;
}

/* "after 17s", "after 1h2m3.5s", "after 0.5s" anywhere in (lower-case)
 * free text, as Google's quota messages word it. */
static gboolean
find_after_delay (const char *text,
                  gint64     *out_us)
{
  const char *p = text;

  while ((p = strstr (p, "after")) != NULL)
    {
      const char *start;
      const char *end;
      gboolean word_start = p == text || !g_ascii_isalnum (p[-1]);
      g_autofree char *token = NULL;

      p += strlen ("after");
      if (!word_start || !g_ascii_isspace (*p))
        continue;
      for (start = p; g_ascii_isspace (*start); start++)
        ;
      for (end = start; *end != '\0'; end++)
        {
          guchar c = (guchar) *end;

          if (!g_ascii_isdigit (c) && c != '.' && strchr ("nusmh", c) == NULL &&
              c != 0xc2 && c != 0xb5 && c != 0xce && c != 0xbc)
            break;
        }
      /* The full stop of "reset after 17s." */
      while (end > start && end[-1] == '.')
        end--;
      /* A bare number ("after 3 attempts") has no unit: not a delay. */
      if (end == start || g_ascii_isdigit (end[-1]))
        continue;
      token = g_strndup (start, (gsize) (end - start));
      if (sy_parse_duration (token, out_us))
        return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------ HTTP dates */

static int
month_number (const char *name)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int i;

  if (strlen (name) != 3)
    return 0;
  for (i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (name, months + 3 * i, 3) == 0)
      return i + 1;
  return 0;
}

/* The three forms RFC 9110 §5.6.7 asks recipients to accept:
 *   Sun, 06 Nov 1994 08:49:37 GMT     (IMF-fixdate)
 *   Sunday, 06-Nov-94 08:49:37 GMT    (RFC 850)
 *   Sun Nov  6 08:49:37 1994          (asctime)
 * The weekday is not checked against the date. */
static gboolean
parse_http_date (const char *text,
                 gint64     *unix_s)
{
  const char *p = text;
  char month[4] = "";
  char zone[4] = "";
  unsigned day = 0, year = 0, hour = 0, minute = 0, second = 0;
  int used = -1;
  int m;
  g_autoptr(GDateTime) date = NULL;

  while (g_ascii_isalpha (*p))
    p++;
  if (p == text)
    return FALSE;

  if (*p == ',')
    {
      p++;
      if (sscanf (p, " %2u %3s %4u %2u:%2u:%2u %3s%n",
                  &day, month, &year, &hour, &minute, &second, zone, &used) != 7 ||
          p[used] != '\0')
        {
          used = -1;
          if (sscanf (p, " %2u-%3[A-Za-z]-%2u %2u:%2u:%2u %3s%n",
                      &day, month, &year, &hour, &minute, &second, zone, &used) != 7 ||
              p[used] != '\0')
            return FALSE;
          /* Two-digit years: the nearer century, as the RFC suggests. */
          year += year < 70 ? 2000 : 1900;
        }
      if (g_ascii_strcasecmp (zone, "GMT") != 0 && g_ascii_strcasecmp (zone, "UTC") != 0)
        return FALSE;
    }
  else if (*p == ' ')
    {
      if (sscanf (p, " %3s %2u %2u:%2u:%2u %4u%n",
                  month, &day, &hour, &minute, &second, &year, &used) != 6 ||
          p[used] != '\0')
        return FALSE;
    }
  else
    return FALSE;

  m = month_number (month);
  if (m == 0 || year < 1970 || year > 9999 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60)
    return FALSE;
  /* A leap second reads as the next second. */
  date = g_date_time_new_utc ((int) year, m, (int) day, (int) hour, (int) minute,
                              MIN (second, 59u));
  if (date == NULL)
    return FALSE;
  *unix_s = g_date_time_to_unix (date) + (second == 60 ? 1 : 0);
  return TRUE;
}

gboolean
sy_parse_retry_after (const char *value,
                      gint64      now_us,
                      gint64     *out_us)
{
  g_autofree char *text = NULL;
  gint64 unix_s;
  const char *p;

  g_return_val_if_fail (out_us != NULL, FALSE);

  if (value == NULL)
    return FALSE;
  text = g_strstrip (g_strdup (value));
  if (*text == '\0')
    return FALSE;

  /* delta-seconds; a fraction is not in the grammar but costs nothing. */
  if (g_ascii_isdigit (*text))
    {
      for (p = text; g_ascii_isdigit (*p) || *p == '.'; p++)
        ;
      if (*p == '\0')
        {
          char *end = NULL;
          double seconds = g_ascii_strtod (text, &end);

          if (end == NULL || *end != '\0')
            return FALSE;
          *out_us = seconds_to_us (seconds);
          return TRUE;
        }
    }

  if (!parse_http_date (text, &unix_s))
    return FALSE;
  /* In double: a date far off must not overflow. */
  *out_us = seconds_to_us ((double) unix_s - (double) now_us / 1e6);
  return TRUE;
}

/* ------------------------------------------------------------------ bodies */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A number, or a string holding one ("resets_in_seconds":"30"). */
static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *out)
{
  JsonNode *node = json_object_get_member (object, name);

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
      {
        const char *text = json_node_get_string (node);
        char *end = NULL;

        if (!g_ascii_isdigit (*text) && *text != '-' && *text != '.')
          return FALSE;
        *out = g_ascii_strtod (text, &end);
        return end != text && *end == '\0' && isfinite (*out);
      }
    default:
      return FALSE;
    }
}

/* The object that describes the error: `error` of the (first) object, or
 * that object itself when it has none. Gemini streams wrap it in an array.
 * *message: error.message, a string `error`, or a top-level message/detail. */
static JsonObject *
find_error (JsonNode    *root,
            const char **message)
{
  JsonObject *top = NULL;
  JsonObject *error;
  JsonNode *error_node;

  *message = NULL;
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      guint i;

      for (i = 0; i < json_array_get_length (array) && top == NULL; i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
          top = json_array_get_object_element (array, i);
    }
  else if (JSON_NODE_HOLDS_OBJECT (root))
    top = json_node_get_object (root);
  if (top == NULL)
    return NULL;

  error_node = json_object_get_member (top, "error");
  if (error_node != NULL && JSON_NODE_HOLDS_OBJECT (error_node))
    error = json_node_get_object (error_node);
  else
    {
      error = top;
      if (error_node != NULL && JSON_NODE_HOLDS_VALUE (error_node) &&
          json_node_get_value_type (error_node) == G_TYPE_STRING)
        *message = json_node_get_string (error_node);
    }

  if (*message == NULL)
    *message = member_string (error, "message");
  if (*message == NULL)
    *message = member_string (top, "message");
  if (*message == NULL)
    *message = member_string (top, "detail");
  return error;
}

JsonObject *
sy_failure_parse_error (JsonParser  *parser,
                        const char  *text,
                        const char **message)
{
  const char *unused;
  JsonNode *root;

  if (message == NULL)
    message = &unused;
  *message = NULL;
  /* Error bodies nest a few levels: deeper than MAX_JSON_DEPTH is not one. */
  if (!sy_json_guard_check (text, -1, MAX_JSON_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL)
    return NULL;
  return find_error (root, message);
}

/* Google RPC error details: RetryInfo.retryDelay, else
 * ErrorInfo.metadata.quotaResetDelay, whichever order they come in. */
static gboolean
google_retry_delay (JsonObject *error,
                    gint64     *out_us)
{
  JsonNode *details = json_object_get_member (error, "details");
  JsonArray *array;
  gint64 quota_reset = -1;
  guint i;

  if (details == NULL || !JSON_NODE_HOLDS_ARRAY (details))
    return FALSE;
  array = json_node_get_array (details);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *detail;
      JsonObject *metadata;
      const char *type;
      const char *delay;
      gint64 us;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      detail = json_node_get_object (node);
      type = member_string (detail, "@type");
      if (type == NULL)
        continue;
      if (g_str_has_suffix (type, "google.rpc.RetryInfo"))
        {
          delay = member_string (detail, "retryDelay");
          if (delay != NULL && sy_parse_duration (delay, &us))
            {
              *out_us = us;
              return TRUE;
            }
        }
      else if (g_str_has_suffix (type, "google.rpc.ErrorInfo") && quota_reset < 0)
        {
          metadata = member_object (detail, "metadata");
          delay = metadata != NULL ? member_string (metadata, "quotaResetDelay") : NULL;
          if (delay != NULL && sy_parse_duration (delay, &us))
            quota_reset = us;
        }
    }
  if (quota_reset < 0)
    return FALSE;
  *out_us = quota_reset;
  return TRUE;
}

/* Codex usage_limit_reached: resets_at (unix s), else resets_in_seconds.
 * The type is not required: no other upstream uses these names, and a
 * reset time is better than a guessed backoff. */
static gboolean
codex_reset (JsonObject *error,
             gint64      now_us,
             gint64     *out_us)
{
  double value;

  if (member_number (error, "resets_at", &value))
    {
      /* In double: an absurd resets_at must not overflow. */
      *out_us = seconds_to_us (value - (double) now_us / 1e6);
      return TRUE;
    }
  if (member_number (error, "resets_in_seconds", &value))
    {
      *out_us = seconds_to_us (value);
      return TRUE;
    }
  return FALSE;
}

/* The request-scoped 404 of the Responses API: "Item with id 'rs_1' not
 * found. Items are not persisted when `store` is set to false." Another
 * account cannot have the item either, and this one is fine. The flag may
 * be written "`store` is set to false", "store=false", "\"store\": false". */
static gboolean
is_store_false_not_found (const char *lower)
{
  static const char * const fillers[] = { "is", "was", "set", "to", "been", "being" };
  const char *p = lower;

  if (strstr (lower, "not found") == NULL)
    return FALSE;
  while ((p = strstr (p, "store")) != NULL)
    {
      gboolean word = (p == lower || !g_ascii_isalnum (p[-1])) && !g_ascii_isalnum (p[5]);
      guint n_words = 0;
      gsize i;

      p += strlen ("store");
      while (word && n_words <= G_N_ELEMENTS (fillers))
        {
          gboolean filler = FALSE;

          while (*p != '\0' && strchr (" `'\"\\=:", *p) != NULL)
            p++;
          if (strncmp (p, "false", 5) == 0 && !g_ascii_isalnum (p[5]))
            return TRUE;
          for (i = 0; i < G_N_ELEMENTS (fillers) && !filler; i++)
            {
              gsize len = strlen (fillers[i]);

              if (strncmp (p, fillers[i], len) == 0 && !g_ascii_isalnum (p[len]))
                {
                  p += len;
                  filler = TRUE;
                }
            }
          if (!filler)
            break;
          n_words++;
        }
    }
  return FALSE;
}

void
sy_failure_classify (guint       status,
                     const char *body,
                     gsize       body_len,
                     const char *retry_after,
                     gint64      now_us,
                     SyFailure  *out)
{
  g_autofree char *text = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *message_lower = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *error = NULL;
  const char *message = NULL;
  const char *free_text;
  gint64 us;

  g_return_if_fail (out != NULL);

  out->status = status;
  out->reason = SY_FAILURE_NONE;
  out->retry_after_us = -1;
  out->request_invalid = FALSE;
  out->marks_nothing = FALSE;

  /* A bounded NUL-terminated copy (an embedded NUL ends it). */
  text = body != NULL ? g_strndup (body, MIN (body_len, SY_COOLDOWN_BODY_MAX)) : g_strdup ("");
  lower = g_ascii_strdown (text, -1);

  parser = json_parser_new ();
  error = sy_failure_parse_error (parser, text, &message);
  if (message != NULL)
    message_lower = g_ascii_strdown (message, -1);
  /* Where free-text hints are looked for: the error message when there is
   * one, else the whole body (plain text, or JSON without a message). */
  free_text = message_lower != NULL ? message_lower : lower;

  if (contains_any (free_text, capacity_phrases, G_N_ELEMENTS (capacity_phrases)))
    out->status = 429;
  else if (status == 403 && contains_any (lower, quota_phrases, G_N_ELEMENTS (quota_phrases)))
    out->status = 429;

  switch (out->status)
    {
    case 400:
      if (contains_any (lower, model_not_supported_phrases,
                        G_N_ELEMENTS (model_not_supported_phrases)))
        out->reason = SY_FAILURE_MODEL_NOT_SUPPORTED;
      /* Google's equivalent is the status INVALID_ARGUMENT (unlike
       * FAILED_PRECONDITION, which can be about the account's region). */
      else if (strstr (lower, "invalid_request_error") != NULL || strstr (lower, "\"invalid_argument\"") != NULL)
        out->request_invalid = TRUE;
      break;

    case 422:
      if (contains_any (lower, model_not_supported_phrases,
                        G_N_ELEMENTS (model_not_supported_phrases)))
        out->reason = SY_FAILURE_MODEL_NOT_SUPPORTED;
      else
        out->request_invalid = TRUE;
      break;

    case 401:
      out->reason = SY_FAILURE_UNAUTHORIZED;
      break;

    case 402:
    case 403:
      out->reason = SY_FAILURE_PAYMENT_REQUIRED;
      break;

    case 404:
      if (is_store_false_not_found (lower))
        {
          out->marks_nothing = TRUE;
          out->request_invalid = TRUE;
        }
      else
        out->reason = SY_FAILURE_NOT_FOUND;
      break;

    case 429:
      out->reason = SY_FAILURE_QUOTA;
      /* The body first: it is specific to the model and precise below a
       * second, where a header (when an upstream sends both) is a rounded
       * copy. Qwen only sends the header. */
      if ((error != NULL && google_retry_delay (error, &us)) ||
          (error != NULL && codex_reset (error, now_us, &us)) ||
          find_after_delay (free_text, &us) ||
          sy_parse_retry_after (retry_after, now_us, &us))
        out->retry_after_us = clamp_us (us);
      break;

    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      out->reason = SY_FAILURE_TRANSIENT;
      break;

    default:
      break;
    }
}

gint64
sy_failure_cooldown_us (const SyFailure *failure,
                        guint            level,
                        guint           *next_level)
{
  gint64 backoff;

  if (next_level != NULL)
    *next_level = level;
  g_return_val_if_fail (failure != NULL, 0);

  if (failure->marks_nothing)
    return 0;
  switch (failure->reason)
    {
    case SY_FAILURE_MODEL_NOT_SUPPORTED:
    case SY_FAILURE_NOT_FOUND:
      return SY_COOLDOWN_NOT_FOUND_US;
    case SY_FAILURE_UNAUTHORIZED:
    case SY_FAILURE_PAYMENT_REQUIRED:
      return SY_COOLDOWN_AUTH_US;
    case SY_FAILURE_TRANSIENT:
      return SY_COOLDOWN_TRANSIENT_US;
    case SY_FAILURE_QUOTA:
      if (failure->retry_after_us >= 0)
        return clamp_us (failure->retry_after_us);
      /* At the cap the level stays where it is (so it cannot grow without
       * bound); the guard keeps the shift defined. */
      if (level >= 40)
        return SY_COOLDOWN_BACKOFF_MAX_US;
      backoff = SY_COOLDOWN_SECOND_US << level;
      if (backoff >= SY_COOLDOWN_BACKOFF_MAX_US)
        return SY_COOLDOWN_BACKOFF_MAX_US;
      if (next_level != NULL)
        *next_level = level + 1;
      return backoff;
    case SY_FAILURE_NONE:
    default:
      return 0;
    }
}

const char *
sy_failure_reason_to_string (SyFailureReason reason)
{
  switch (reason)
    {
    case SY_FAILURE_MODEL_NOT_SUPPORTED:
      return "model_not_supported";
    case SY_FAILURE_UNAUTHORIZED:
      return "unauthorized";
    case SY_FAILURE_PAYMENT_REQUIRED:
      return "payment_required";
    case SY_FAILURE_NOT_FOUND:
      return "not_found";
    case SY_FAILURE_QUOTA:
      return "quota";
    case SY_FAILURE_TRANSIENT:
      return "transient";
    case SY_FAILURE_NONE:
    default:
      return "none";
    }
}
