/* test-cooldown.c: failure classification, retry information and cooldowns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-cooldown.h"

/* Wed, 21 Oct 2026 07:26:30.25 GMT: 89.75 s before the HTTP dates below. */
#define NOW_S       G_GINT64_CONSTANT (1792567590)
#define NOW_US      (NOW_S * SY_COOLDOWN_SECOND_US + 250000)
#define SEC(n)      ((gint64) (n) * SY_COOLDOWN_SECOND_US)
#define MIN_(n)     SEC ((n) * 60)
#define HOURS(n)    SEC ((n) * 3600)

/* Classifies @body from an exactly sized heap copy (no NUL after it), so a
 * read past body_len shows up under ASan. */
static SyFailure
classify_len (guint       status,
              const char *body,
              gsize       body_len,
              const char *retry_after)
{
  SyFailure failure;
  g_autofree char *copy = body != NULL ? g_memdup2 (body, MAX (body_len, 1)) : NULL;

  memset (&failure, 0xab, sizeof failure);
  sy_failure_classify (status, copy, body_len, retry_after, NOW_US, &failure);
  return failure;
}

static SyFailure
classify (guint       status,
          const char *body,
          const char *retry_after)
{
  return classify_len (status, body, body != NULL ? strlen (body) : 0, retry_after);
}

static gint64
cooldown (const SyFailure *failure)
{
  guint next = 12345;
  gint64 us = sy_failure_cooldown_us (failure, 3, &next);

  /* Only a backoff-computed quota cooldown moves the level. */
  if (failure->reason != SY_FAILURE_QUOTA || failure->retry_after_us >= 0)
    g_assert_cmpuint (next, ==, 3);
  return us;
}

/* A 429's retry information and the cooldown it gives. */
static gint64
quota_retry (const char *body,
             const char *retry_after)
{
  SyFailure f = classify (429, body, retry_after);

  g_assert_cmpuint (f.status, ==, 429);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_QUOTA);
  g_assert_false (f.request_invalid);
  g_assert_false (f.marks_nothing);
  if (f.retry_after_us >= 0)
    g_assert_cmpint (cooldown (&f), ==, f.retry_after_us);
  return f.retry_after_us;
}

/* ----------------------------------------------------------- durations */

static void
test_duration (void)
{
  static const struct { const char *text; gint64 us; } good[] = {
    { "0.847655010s", 847655 },
    { "373.8ms", 373800 },
    { "1h2m3.5s", SEC (3723) + 500000 },
    { "17s", SEC (17) },
    { "17.2s", SEC (17) + 200000 },
    { "250us", 250 },
    { "250\xc2\xb5s", 250 },             /* micro sign */
    { "250\xce\xbcs", 250 },             /* Greek mu */
    { "3ns", 0 },
    { "1500ns", 1 },
    { "0", 0 },
    { "0s", 0 },
    { ".5s", 500000 },
    { "1.5h", SEC (5400) },
    { "2m", SEC (120) },
    { "1m30s", SEC (90) },
    { "1.s", SEC (1) },
    { "0.000001s", 1 },
    { "0.0000019999s", 1 },              /* sub-µs dropped */
    /* Clamped to 30 days. */
    { "99999999999999999999s", SY_COOLDOWN_RETRY_MAX_US },
    { "99999999999999999999999999999999999999ns", SY_COOLDOWN_RETRY_MAX_US },
    { "721h", SY_COOLDOWN_RETRY_MAX_US },
    { "719h", HOURS (719) },
    { "700h700h", SY_COOLDOWN_RETRY_MAX_US },
  };
  static const char * const bad[] = {
    "", "s", "1x", "-3s", "+3s", "1", "17", "1s2", " 1s", "1s ", ".s", "1e3s", "1.2.3s",
    "ms", "1 s", "1S", "\xc2\xb5s", "1\xc2s", "1hh",
  };
  gsize i;
  gint64 us;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      us = -42;
      if (!sy_parse_duration (good[i].text, &us))
        g_error ("rejected \"%s\"", good[i].text);
      g_assert_cmpint (us, ==, good[i].us);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      us = -42;
      if (sy_parse_duration (bad[i], &us))
        g_error ("accepted \"%s\" as %" G_GINT64_FORMAT, bad[i], us);
      g_assert_cmpint (us, ==, -42);
    }
  g_assert_false (sy_parse_duration (NULL, &us));
}

static void
test_retry_after_header (void)
{
  static const struct { const char *value; gint64 us; } good[] = {
    { "120", SEC (120) },
    { " 7 ", SEC (7) },
    { "0", 0 },
    { "1.5", SEC (1) + 500000 },
    { "99999999999999999999999", SY_COOLDOWN_RETRY_MAX_US },
    /* 89.75 s after NOW, in each of the three forms. */
    { "Wed, 21 Oct 2026 07:28:00 GMT", SEC (89) + 750000 },
    { "Wednesday, 21-Oct-26 07:28:00 GMT", SEC (89) + 750000 },
    { "Wed Oct 21 07:28:00 2026", SEC (89) + 750000 },
    { "Wed Oct  1 07:28:00 2026", 0 },              /* before NOW */
    { "Sun, 06 Nov 1994 08:49:37 GMT", 0 },
    { "Fri, 31 Dec 9999 23:59:59 GMT", SY_COOLDOWN_RETRY_MAX_US },
  };
  static const char * const bad[] = {
    "", "  ", "soon", "-5", "5s", "1.2.3", "Wed, 31 Feb 2026 07:28:00 GMT",
    "Wed, 21 Oct 2026 07:28:00 PST", "Wed, 21 Oct 2026 07:28:00 GMT junk",
    "Wed, 21 Foo 2026 07:28:00 GMT", "Wed, 21 Oct 2026 25:28:00 GMT",
    "21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026", "Wed,",
  };
  gsize i;
  gint64 us;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      us = -42;
      if (!sy_parse_retry_after (good[i].value, NOW_US, &us))
        g_error ("rejected \"%s\"", good[i].value);
      g_assert_cmpint (us, ==, good[i].us);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    if (sy_parse_retry_after (bad[i], NOW_US, &us))
      g_error ("accepted \"%s\"", bad[i]);
  g_assert_false (sy_parse_retry_after (NULL, NOW_US, &us));
}

/* ------------------------------------------------------ retry information */

static void
test_google_retry (void)
{
  /* The reference body: ErrorInfo listed first, RetryInfo still wins. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"code\":429,\"message\":\"You have exhausted your capacity on this model. "
    "Your quota will reset after 17s.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
    "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE_LIMIT_EXCEEDED\","
    "\"metadata\":{\"quotaResetDelay\":\"373.8ms\",\"model\":\"gemini-2.5-pro\"}},"
    "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.847655010s\"}]}}",
    NULL), ==, 847655);

  /* No RetryInfo: ErrorInfo's quotaResetDelay. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"message\":\"Your quota will reset after 17s.\",\"details\":["
    "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"metadata\":{\"quotaResetDelay\":\"373.8ms\"}}]}}",
    NULL), ==, 373800);

  /* A RetryInfo that cannot be read falls through to ErrorInfo. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"details\":["
    "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"soon\"},"
    "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"metadata\":{\"quotaResetDelay\":\"2s\"}}]}}",
    NULL), ==, SEC (2));

  /* Neither: the message. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"code\":429,\"message\":\"You have exhausted your capacity on this model. "
    "Your quota will reset after 17s.\",\"status\":\"RESOURCE_EXHAUSTED\"}}", NULL), ==, SEC (17));
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"message\":\"Quota exceeded. Please retry after 1h2m3s\"}}", NULL), ==, SEC (3723));
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"message\":\"Resource exhausted, try again After 0.5s.\"}}", NULL), ==, 500000);
  /* "after" without a unit, or inside a word, is no delay; a later one is. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"message\":\"Thereafter 9s; after 3 attempts; reset after 4s\"}}", NULL), ==, SEC (4));
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"message\":\"Rate limited after 3 attempts\"}}", NULL), ==, -1);

  /* Gemini streams answer with the object inside an array. */
  g_assert_cmpint (quota_retry (
    "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\","
    "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"17.2s\"}]}}]",
    NULL), ==, SEC (17) + 200000);
  g_assert_cmpint (quota_retry (
    "[1, {\"error\":{\"message\":\"reset after 5s\"}}]", NULL), ==, SEC (5));
}

static void
test_codex_retry (void)
{
  g_autofree char *at_future = NULL;
  g_autofree char *at_past = NULL;
  g_autofree char *both = NULL;
  SyFailure f;

  /* resets_at is relative to the wall clock given (which has .25 s). */
  at_future = g_strdup_printf ("{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit "
                               "has been reached\",\"plan_type\":\"plus\",\"resets_at\":%" G_GINT64_FORMAT "}}",
                               NOW_S + 3600);
  g_assert_cmpint (quota_retry (at_future, NULL), ==, SEC (3599) + 750000);

  /* A reset time already past: retry now, no cooldown. */
  at_past = g_strdup_printf ("{\"error\":{\"type\":\"usage_limit_reached\",\"resets_at\":%" G_GINT64_FORMAT "}}",
                             NOW_S - 10);
  f = classify (429, at_past, NULL);
  g_assert_cmpint (f.retry_after_us, ==, 0);
  g_assert_cmpint (cooldown (&f), ==, 0);

  g_assert_cmpint (quota_retry (
    "{\"error\":{\"type\":\"usage_limit_reached\",\"resets_in_seconds\":3600}}", NULL), ==, HOURS (1));
  /* Both: resets_at first. */
  both = g_strdup_printf ("{\"error\":{\"type\":\"usage_limit_reached\",\"resets_at\":%" G_GINT64_FORMAT
                          ",\"resets_in_seconds\":3600}}", NOW_S + 60);
  g_assert_cmpint (quota_retry (both, NULL), ==, SEC (59) + 750000);
  /* Numbers as strings, fractions. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"type\":\"usage_limit_reached\",\"resets_in_seconds\":\"30\"}}", NULL), ==, SEC (30));
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"type\":\"usage_limit_reached\",\"resets_in_seconds\":1.5}}", NULL), ==, SEC (1) + 500000);
}

static void
test_header_retry (void)
{
  /* Only the header (Qwen). */
  g_assert_cmpint (quota_retry ("{\"error\":{\"message\":\"slow down\"}}", "42"), ==, SEC (42));
  g_assert_cmpint (quota_retry ("Too Many Requests", "Wed, 21 Oct 2026 07:28:00 GMT"), ==,
                   SEC (89) + 750000);
  g_assert_cmpint (quota_retry (NULL, "Wed, 21 Oct 2026 07:20:00 GMT"), ==, 0);
  /* Body retry information wins over the header. */
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"3s\"}]}}",
    "60"), ==, SEC (3));
  g_assert_cmpint (quota_retry (
    "{\"error\":{\"type\":\"usage_limit_reached\",\"resets_in_seconds\":5}}", "60"), ==, SEC (5));
  g_assert_cmpint (quota_retry ("{\"error\":{\"message\":\"reset after 2s\"}}", "60"), ==, SEC (2));
  /* An unreadable header is no retry information. */
  g_assert_cmpint (quota_retry ("{}", "later"), ==, -1);
  g_assert_cmpint (quota_retry ("{}", "-5"), ==, -1);

  /* Retry information only matters (and is only reported) for quota. */
  g_assert_cmpint (classify (503, "{\"error\":{\"message\":\"retry after 5s\"}}", "5").retry_after_us, ==, -1);
}

/* ------------------------------------------------------------- the table */

static void
test_status_table (void)
{
  static const struct
  {
    guint           status;
    SyFailureReason reason;
    gint64          cooldown;
    gboolean        invalid;
  } rows[] = {
    { 400, SY_FAILURE_NONE,             0,             FALSE },
    { 401, SY_FAILURE_UNAUTHORIZED,     MIN_ (30),     FALSE },
    { 402, SY_FAILURE_PAYMENT_REQUIRED, MIN_ (30),     FALSE },
    { 403, SY_FAILURE_PAYMENT_REQUIRED, MIN_ (30),     FALSE },
    { 404, SY_FAILURE_NOT_FOUND,        HOURS (12),    FALSE },
    { 408, SY_FAILURE_TRANSIENT,        MIN_ (1),      FALSE },
    { 422, SY_FAILURE_NONE,             0,             TRUE },
    { 429, SY_FAILURE_QUOTA,            SEC (8),       FALSE },   /* level 3: 1 s << 3 */
    { 500, SY_FAILURE_TRANSIENT,        MIN_ (1),      FALSE },
    { 502, SY_FAILURE_TRANSIENT,        MIN_ (1),      FALSE },
    { 503, SY_FAILURE_TRANSIENT,        MIN_ (1),      FALSE },
    { 504, SY_FAILURE_TRANSIENT,        MIN_ (1),      FALSE },
    { 409, SY_FAILURE_NONE,             0,             FALSE },
    { 418, SY_FAILURE_NONE,             0,             FALSE },
    { 501, SY_FAILURE_NONE,             0,             FALSE },
    { 505, SY_FAILURE_NONE,             0,             FALSE },
    { 0,   SY_FAILURE_NONE,             0,             FALSE },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      SyFailure f = classify (rows[i].status, "{\"error\":{\"message\":\"something went wrong\"}}", NULL);

      g_test_message ("status %u", rows[i].status);
      g_assert_cmpuint (f.status, ==, rows[i].status);
      g_assert_cmpint (f.reason, ==, rows[i].reason);
      g_assert_cmpint (f.request_invalid, ==, rows[i].invalid);
      g_assert_false (f.marks_nothing);
      g_assert_cmpint (f.retry_after_us, ==, -1);
      g_assert_cmpint (cooldown (&f), ==, rows[i].cooldown);
    }

  /* No body at all classifies the same way. */
  g_assert_cmpint (classify (401, NULL, NULL).reason, ==, SY_FAILURE_UNAUTHORIZED);
  g_assert_cmpint (classify (502, "", NULL).reason, ==, SY_FAILURE_TRANSIENT);
  g_assert_cmpint (classify (429, NULL, NULL).retry_after_us, ==, -1);
}

static void
test_backoff (void)
{
  SyFailure f = classify (429, "{\"error\":{\"message\":\"Too many requests\"}}", NULL);
  SyFailure with_retry = classify (429, NULL, "7");
  SyFailure other = classify (401, NULL, NULL);
  guint level = 0;
  guint next;
  guint i;

  g_assert_cmpint (f.retry_after_us, ==, -1);
  /* 1, 2, 4, … 1024 s, each step one level up. */
  for (i = 0; i <= 10; i++)
    {
      g_assert_cmpint (sy_failure_cooldown_us (&f, level, &next), ==, SEC (1) << i);
      g_assert_cmpuint (next, ==, i + 1);
      level = next;
    }
  /* Then the 30 min cap, where the level stays. */
  g_assert_cmpint (sy_failure_cooldown_us (&f, level, &next), ==, MIN_ (30));
  g_assert_cmpuint (next, ==, 11);
  g_assert_cmpint (sy_failure_cooldown_us (&f, 63, &next), ==, MIN_ (30));
  g_assert_cmpuint (next, ==, 63);
  g_assert_cmpint (sy_failure_cooldown_us (&f, G_MAXUINT, &next), ==, MIN_ (30));
  g_assert_cmpuint (next, ==, G_MAXUINT);
  /* next_level is optional. */
  g_assert_cmpint (sy_failure_cooldown_us (&f, 2, NULL), ==, SEC (4));

  /* Retry information replaces the backoff and leaves the level alone. */
  g_assert_cmpint (sy_failure_cooldown_us (&with_retry, 5, &next), ==, SEC (7));
  g_assert_cmpuint (next, ==, 5);
  g_assert_cmpint (sy_failure_cooldown_us (&other, 5, &next), ==, MIN_ (30));
  g_assert_cmpuint (next, ==, 5);
}

static void
test_model_not_supported (void)
{
  static const char * const phrases[] = {
    "model_not_supported",
    "The requested model is not supported.",
    "Requested model is unsupported",
    "REQUESTED MODEL IS UNAVAILABLE",
    "This model is not supported when using Codex with a ChatGPT account.",
    "model not supported",
    "Unsupported model: gpt-9",
    "Model unavailable",
    "The model gpt-5-pro is not available for your plan",
    "not available for your account",
  };
  static const guint statuses[] = { 400, 422 };
  gsize i, j;

  for (i = 0; i < G_N_ELEMENTS (phrases); i++)
    for (j = 0; j < G_N_ELEMENTS (statuses); j++)
      {
        g_autofree char *body = g_strdup_printf (
          "{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"%s\"}}", phrases[i]);
        SyFailure f = classify (statuses[j], body, NULL);

        g_test_message ("%u %s", statuses[j], phrases[i]);
        g_assert_cmpuint (f.status, ==, statuses[j]);
        g_assert_cmpint (f.reason, ==, SY_FAILURE_MODEL_NOT_SUPPORTED);
        /* Not request-invalid: another account may serve the model. */
        g_assert_false (f.request_invalid);
        g_assert_cmpint (cooldown (&f), ==, HOURS (12));
      }

  /* Anywhere in the body, not only the message; plain text too. */
  g_assert_cmpint (classify (400, "{\"error\":{\"code\":\"model_not_supported\",\"message\":\"no\"}}", NULL).reason,
                   ==, SY_FAILURE_MODEL_NOT_SUPPORTED);
  g_assert_cmpint (classify (400, "Bad Request: unsupported model", NULL).reason,
                   ==, SY_FAILURE_MODEL_NOT_SUPPORTED);
  /* A 404 saying so is a plain not_found (12 h either way). */
  g_assert_cmpint (classify (404, "{\"error\":{\"message\":\"model not supported\"}}", NULL).reason,
                   ==, SY_FAILURE_NOT_FOUND);
  /* Other statuses ignore the phrases. */
  g_assert_cmpint (classify (401, "{\"error\":{\"message\":\"model not supported\"}}", NULL).reason,
                   ==, SY_FAILURE_UNAUTHORIZED);
  g_assert_cmpint (classify (500, "model not supported", NULL).reason, ==, SY_FAILURE_TRANSIENT);
  /* Near misses. */
  g_assert_cmpint (classify (400, "{\"error\":{\"message\":\"model is supported\"}}", NULL).reason,
                   ==, SY_FAILURE_NONE);
}

static void
test_invalid_request (void)
{
  SyFailure f;

  f = classify (400, "{\"error\":{\"message\":\"max_tokens: must be positive\","
                "\"type\":\"invalid_request_error\",\"param\":\"max_tokens\"}}", NULL);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NONE);
  g_assert_true (f.request_invalid);
  g_assert_false (f.marks_nothing);
  g_assert_cmpint (cooldown (&f), ==, 0);

  /* Claude's shape, and the type only in plain text. */
  g_assert_true (classify (400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                           "\"message\":\"messages: field required\"}}", NULL).request_invalid);
  g_assert_true (classify (400, "invalid_request_error: bad", NULL).request_invalid);

  /* Google's INVALID_ARGUMENT is the same verdict. */
  f = classify (400, "{\"error\":{\"code\":400,\"message\":\"Request contains an invalid argument.\","
                "\"status\":\"INVALID_ARGUMENT\"}}", NULL);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NONE);
  g_assert_true (f.request_invalid);

  /* Any other 400: none, and other accounts are still tried. */
  f = classify (400, "{\"error\":{\"code\":400,\"message\":\"User location is not supported for the API use.\","
                "\"status\":\"FAILED_PRECONDITION\"}}", NULL);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NONE);
  g_assert_false (f.request_invalid);

  /* Any 422 stops, with or without the type. */
  g_assert_true (classify (422, "{\"detail\":\"Unprocessable\"}", NULL).request_invalid);
  g_assert_true (classify (422, NULL, NULL).request_invalid);
  /* Other statuses do not, even with the type. */
  g_assert_false (classify (401, "{\"error\":{\"type\":\"invalid_request_error\"}}", NULL).request_invalid);
  g_assert_false (classify (429, "{\"error\":{\"type\":\"invalid_request_error\"}}", NULL).request_invalid);
}

static void
test_store_false (void)
{
  SyFailure f;

  f = classify (404, "{\"error\":{\"message\":\"Item with id 'rs_123' not found. Items are not persisted "
                "when `store` is set to false. Try again with `store` set to true, or remove this item "
                "from your input.\",\"type\":\"invalid_request_error\",\"param\":\"input\",\"code\":null}}",
                NULL);
  g_assert_cmpuint (f.status, ==, 404);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NONE);
  g_assert_true (f.marks_nothing);
  g_assert_true (f.request_invalid);
  g_assert_cmpint (cooldown (&f), ==, 0);

  /* Other spellings of the flag. */
  g_assert_true (classify (404, "Item not found: store was set to false", NULL).marks_nothing);
  g_assert_true (classify (404, "item 'msg_1' not found (store=false)", NULL).marks_nothing);
  g_assert_true (classify (404, "{\"error\":{\"message\":\"Item not found; \\\"store\\\": false\"}}",
                           NULL).marks_nothing);

  /* Ordinary 404s cool down for 12 h. */
  f = classify (404, "{\"error\":{\"message\":\"The model `gpt-9` does not exist\"}}", NULL);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NOT_FOUND);
  g_assert_false (f.marks_nothing);
  g_assert_false (f.request_invalid);
  g_assert_cmpint (cooldown (&f), ==, HOURS (12));
  /* "not found" without the store flag, "store" inside another word,
   * or the flag without "not found". */
  g_assert_false (classify (404, "Model not found", NULL).marks_nothing);
  g_assert_false (classify (404, "Model not found in datastore, cached=false", NULL).marks_nothing);
  g_assert_false (classify (404, "store is set to false", NULL).marks_nothing);
  g_assert_false (classify (404, "not found; store is enabled, its flag false-positives are "
                            "reported elsewhere", NULL).marks_nothing);
  /* Only on a 404. */
  g_assert_false (classify (400, "Item not found, `store` is set to false", NULL).marks_nothing);
}

static void
test_capacity (void)
{
  static const guint statuses[] = { 400, 500, 503, 429, 200 };
  gsize i;
  SyFailure f;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      f = classify (statuses[i], "{\"error\":{\"message\":\"Selected model is at capacity. "
                    "Please try a different model.\"}}", NULL);
      g_assert_cmpuint (f.status, ==, 429);
      g_assert_cmpint (f.reason, ==, SY_FAILURE_QUOTA);
      g_assert_cmpint (f.retry_after_us, ==, -1);
      g_assert_cmpint (sy_failure_cooldown_us (&f, 0, NULL), ==, SEC (1));
    }
  g_assert_cmpuint (classify (500, "{\"detail\":\"The model is at capacity. Please try a different model.\"}",
                              NULL).status, ==, 429);
  g_assert_cmpuint (classify (503, "selected model is at capacity", NULL).status, ==, 429);
  /* A retry header still applies after the re-classification. */
  g_assert_cmpint (classify (503, "{\"error\":{\"message\":\"Selected model is at capacity\"}}", "9").retry_after_us,
                   ==, SEC (9));
  /* Looked for in the message, not in other fields. */
  f = classify (500, "{\"error\":{\"message\":\"internal\",\"hint\":\"selected model is at capacity\"}}", NULL);
  g_assert_cmpuint (f.status, ==, 500);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_TRANSIENT);
}

static void
test_quota_403 (void)
{
  static const char * const bodies[] = {
    "{\"error\":{\"code\":\"insufficient_quota\",\"message\":\"You exceeded your current quota\"}}",
    "{\"error\":{\"code\":\"quota_exceeded\",\"message\":\"no more\"}}",
    "{\"error\":{\"message\":\"Quota exceeded for today\"}}",
    "{\"error\":{\"message\":\"Free allocated quota exceeded.\"}}",
    "{\"error\":{\"code\":403,\"message\":\"denied\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
    "insufficient_quota",
  };
  gsize i;
  SyFailure f;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      f = classify (403, bodies[i], NULL);
      g_test_message ("%s", bodies[i]);
      g_assert_cmpuint (f.status, ==, 429);
      g_assert_cmpint (f.reason, ==, SY_FAILURE_QUOTA);
      g_assert_cmpint (f.retry_after_us, ==, -1);
      /* The same words on a 429 keep it a 429. */
      g_assert_cmpuint (classify (429, bodies[i], NULL).status, ==, 429);
    }
  /* Qwen sends the delay as a header. */
  f = classify (403, bodies[2], "30");
  g_assert_cmpint (f.retry_after_us, ==, SEC (30));
  g_assert_cmpint (cooldown (&f), ==, SEC (30));

  /* A 403 without quota words, and a 402 with them, stay what they are. */
  f = classify (403, "{\"error\":{\"message\":\"The caller does not have permission\","
                "\"status\":\"PERMISSION_DENIED\"}}", NULL);
  g_assert_cmpuint (f.status, ==, 403);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_PAYMENT_REQUIRED);
  g_assert_cmpuint (classify (402, bodies[0], NULL).status, ==, 402);
  g_assert_cmpint (classify (402, bodies[0], NULL).reason, ==, SY_FAILURE_PAYMENT_REQUIRED);
}

/* ------------------------------------------------------------- malformed */

static void
assert_sane (const SyFailure *f,
             guint            status)
{
  /* Only ever re-classified as a quota failure. */
  g_assert_true (f->status == status || f->status == 429);
  g_assert_cmpint (f->reason, >=, SY_FAILURE_NONE);
  g_assert_cmpint (f->reason, <=, SY_FAILURE_TRANSIENT);
  g_assert_cmpint (f->retry_after_us, >=, -1);
  g_assert_cmpint (f->retry_after_us, <=, SY_COOLDOWN_RETRY_MAX_US);
  g_assert_true (f->request_invalid == TRUE || f->request_invalid == FALSE);
  g_assert_true (f->marks_nothing == TRUE || f->marks_nothing == FALSE);
  g_assert_cmpint (sy_failure_cooldown_us (f, 0, NULL), >=, 0);
  g_assert_cmpint (sy_failure_cooldown_us (f, 0, NULL), <=, SY_COOLDOWN_RETRY_MAX_US);
}

static void
test_malformed (void)
{
  static const struct { const char *body; gint64 retry; } cases[] = {
    /* Truncated JSON: plain-text search still finds the message delay. */
    { "{\"error\":{\"message\":\"Your quota will reset after 17s.\",\"details\":[{\"@type\":\"type.go", SEC (17) },
    { "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"5s\"", -1 },
    /* Wrong types everywhere. */
    { "{\"error\":42}", -1 },
    { "{\"error\":null}", -1 },
    /* An `error` that is not an object: the whole body is the message. */
    { "{\"error\":[1,2,{\"message\":\"after 3s\"}]}", SEC (3) },
    { "{\"error\":\"reset after 3s\"}", SEC (3) },
    { "{\"error\":{\"details\":{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"5s\"}}}", -1 },
    { "{\"error\":{\"details\":[1,\"x\",null,[],{\"@type\":5},"
      "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":17},"
      "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"metadata\":\"quotaResetDelay\"},"
      "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"metadata\":{\"quotaResetDelay\":null}}]}}", -1 },
    { "{\"error\":{\"message\":17,\"resets_in_seconds\":true,\"resets_at\":{}}}", -1 },
    { "{\"error\":{\"resets_in_seconds\":\"thirty\"}}", -1 },
    { "{\"error\":{\"resets_in_seconds\":\"30s\"}}", -1 },
    { "{\"error\":{\"resets_in_seconds\":\"nan\"}}", -1 },
    { "{\"error\":{\"resets_in_seconds\":\"inf\"}}", -1 },
    /* Negative delays: a bad Google duration is skipped, a past reset is 0. */
    { "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"-3s\"}]}}", -1 },
    { "{\"error\":{\"resets_in_seconds\":-5}}", 0 },
    { "{\"error\":{\"resets_in_seconds\":\"-5\"}}", 0 },
    { "{\"error\":{\"resets_at\":-1}}", 0 },
    /* Huge numbers clamp to 30 days. */
    { "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
      "\"retryDelay\":\"99999999999999999999s\"}]}}", SY_COOLDOWN_RETRY_MAX_US },
    { "{\"error\":{\"resets_in_seconds\":1e300}}", SY_COOLDOWN_RETRY_MAX_US },
    { "{\"error\":{\"resets_in_seconds\":\"99999999999999999999\"}}", SY_COOLDOWN_RETRY_MAX_US },
    { "{\"error\":{\"resets_in_seconds\":9223372036854775807}}", SY_COOLDOWN_RETRY_MAX_US },
    { "{\"error\":{\"resets_at\":9223372036854775807}}", SY_COOLDOWN_RETRY_MAX_US },
    { "{\"error\":{\"message\":\"reset after 99999999999999999999999h\"}}", SY_COOLDOWN_RETRY_MAX_US },
    /* Not JSON objects at all. */
    { "[]", -1 },
    { "[[[]]]", -1 },
    { "\"after 4s\"", SEC (4) },
    { "null", -1 },
    { "12", -1 },
    { "<html><body>429 Too Many Requests</body></html>", -1 },
    { "\xff\xfe{\"error\":{\"message\":\"after 6s\xc3\"}}", SEC (6) },
    { "{\"error\":{\"message\":\"after 1\xc2\xb5s\"}}", 1 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SyFailure f = classify (429, cases[i].body, NULL);
      g_autofree char *shown = g_strescape (cases[i].body, NULL);   /* keeps TAP valid UTF-8 */

      g_test_message ("%s", shown);
      assert_sane (&f, 429);
      g_assert_cmpint (f.reason, ==, SY_FAILURE_QUOTA);
      g_assert_cmpint (f.retry_after_us, ==, cases[i].retry);
    }

  /* An integer beyond 64 bits: json-glib 1.6 reads it as -1 (a reset now),
   * other versions may give a double (30 days) or reject the body. */
  {
    SyFailure f = classify (429, "{\"error\":{\"resets_in_seconds\":99999999999999999999}}", NULL);

    assert_sane (&f, 429);
    g_assert_true (f.retry_after_us == 0 || f.retry_after_us == -1 ||
                   f.retry_after_us == SY_COOLDOWN_RETRY_MAX_US);
  }
}

static void
test_bounds (void)
{
  const char text[] = "{\"error\":{\"message\":\"reset after 17s\"}}";
  g_autoptr(GString) big = g_string_new ("{\"error\":{\"message\":\"");
  g_autofree char *deep = NULL;
  SyFailure f;

  /* body_len is honoured: the buffer need not end in NUL. */
  f = classify_len (429, text, strlen (text) - 3, NULL);   /* "…reset after 17s" */
  g_assert_cmpint (f.retry_after_us, ==, SEC (17));
  f = classify_len (429, text, strlen (text) - 4, NULL);   /* "…reset after 17": no unit */
  g_assert_cmpint (f.retry_after_us, ==, -1);
  f = classify_len (429, text, 10, NULL);
  g_assert_cmpint (f.retry_after_us, ==, -1);
  f = classify_len (429, NULL, 100, "3");
  g_assert_cmpint (f.retry_after_us, ==, SEC (3));
  /* An embedded NUL ends the text. */
  f = classify_len (429, "busy\0reset after 9s", 19, NULL);
  g_assert_cmpint (f.retry_after_us, ==, -1);

  /* Only the first SY_COOLDOWN_BODY_MAX bytes are looked at. */
  while (big->len < SY_COOLDOWN_BODY_MAX)
    g_string_append (big, "padding ");
  g_string_append (big, "reset after 5s\"}}");
  f = classify_len (429, big->str, big->len, NULL);
  g_assert_cmpint (f.retry_after_us, ==, -1);
  f = classify_len (400, big->str, big->len, NULL);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NONE);

  /* Nesting deeper than any error body: no parse, no crash. */
  deep = g_strnfill (SY_COOLDOWN_BODY_MAX, '[');
  f = classify_len (429, deep, SY_COOLDOWN_BODY_MAX, NULL);
  assert_sane (&f, 429);
  g_assert_cmpint (f.retry_after_us, ==, -1);
  memset (deep, '{', SY_COOLDOWN_BODY_MAX);
  f = classify_len (404, deep, SY_COOLDOWN_BODY_MAX, NULL);
  assert_sane (&f, 404);
  g_assert_cmpint (f.reason, ==, SY_FAILURE_NOT_FOUND);
}

/* Random bytes and random splices of real bodies: always a sane result. */
static void
test_noise (void)
{
  static const char * const seeds[] = {
    ("{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"5s\"}],"
     "\"message\":\"reset after 17s\",\"resets_at\":1792567690,\"resets_in_seconds\":3}}"),
    "[{\"error\":{\"message\":\"Selected model is at capacity\",\"status\":\"RESOURCE_EXHAUSTED\"}}]",
    "Item with id 'rs_1' not found. `store` is set to false. model_not_supported invalid_request_error",
  };
  static const guint statuses[] = { 400, 401, 403, 404, 422, 429, 503 };
  guint round;

  for (round = 0; round < 3000; round++)
    {
      const char *seed = seeds[round % G_N_ELEMENTS (seeds)];
      gsize len = strlen (seed);
      g_autofree char *body = g_strdup (seed);
      guint status = statuses[g_test_rand_int_range (0, G_N_ELEMENTS (statuses))];
      guint flips = (guint) g_test_rand_int_range (0, 6);
      SyFailure f;

      while (flips-- > 0)
        body[g_test_rand_int_range (0, (gint32) len)] = (char) g_test_rand_int_range (0, 256);
      f = classify_len (status, body, (gsize) g_test_rand_int_range (0, (gint32) len + 1),
                        round % 5 == 0 ? "Wed, 21 Oct 2026 07:28:00 GMT" : NULL);
      assert_sane (&f, status);
    }
}

static void
test_reason_strings (void)
{
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_NONE), ==, "none");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_MODEL_NOT_SUPPORTED), ==, "model_not_supported");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_UNAUTHORIZED), ==, "unauthorized");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_PAYMENT_REQUIRED), ==, "payment_required");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_NOT_FOUND), ==, "not_found");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_QUOTA), ==, "quota");
  g_assert_cmpstr (sy_failure_reason_to_string (SY_FAILURE_TRANSIENT), ==, "transient");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cooldown/duration", test_duration);
  g_test_add_func ("/cooldown/retry-after-header", test_retry_after_header);
  g_test_add_func ("/cooldown/google-retry", test_google_retry);
  g_test_add_func ("/cooldown/codex-retry", test_codex_retry);
  g_test_add_func ("/cooldown/header-retry", test_header_retry);
  g_test_add_func ("/cooldown/status-table", test_status_table);
  g_test_add_func ("/cooldown/backoff", test_backoff);
  g_test_add_func ("/cooldown/model-not-supported", test_model_not_supported);
  g_test_add_func ("/cooldown/invalid-request", test_invalid_request);
  g_test_add_func ("/cooldown/store-false", test_store_false);
  g_test_add_func ("/cooldown/capacity", test_capacity);
  g_test_add_func ("/cooldown/quota-403", test_quota_403);
  g_test_add_func ("/cooldown/malformed", test_malformed);
  g_test_add_func ("/cooldown/bounds", test_bounds);
  g_test_add_func ("/cooldown/noise", test_noise);
  g_test_add_func ("/cooldown/reason-strings", test_reason_strings);
  return g_test_run ();
}
