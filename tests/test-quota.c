/* test-quota.c: quota windows read from headers, events and 429 bodies,
 * the burn-rate forecast, and the windows in the account state
 *
 * The header sets, events and bodies below have the shapes the upstreams
 * send (the Claude and Codex ones as seen in answers to subscription
 * logins, the Google ones as in providers.md); the numbers are made up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sy-account-pool.h"
#include "sy-quota.h"

#define SEC    ((gint64) G_USEC_PER_SEC)
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
/* 2026-05-01T00:00:00Z */
#define NOW_S  G_GINT64_CONSTANT (1777593600)
#define NOW    (NOW_S * SEC)

/* -- Helpers ------------------------------------------------------------------ */

/* A recorded header set: name, value, ..., NULL. Names are looked up
 * case-insensitively, as SoupMessageHeaders does. */
static const char *
lookup_pairs (gpointer    data,
              const char *name)
{
  const char * const *pairs = data;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    if (g_ascii_strcasecmp (pairs[i], name) == 0)
      return pairs[i + 1];
  return NULL;
}

static GPtrArray *
from_headers (const char *provider,
              const char * const *pairs)
{
  return sy_quota_from_headers (provider, lookup_pairs, (gpointer) pairs, NOW);
}

static const SyQuotaWindow *
window_of (GPtrArray  *windows,
           const char *id)
{
  for (guint i = 0; i < windows->len; i++)
    {
      const SyQuotaWindow *w = g_ptr_array_index (windows, i);

      if (g_str_equal (w->id, id))
        return w;
    }
  return NULL;
}

static void
assert_fraction (double value,
                 double expected)
{
  g_assert_cmpfloat_with_epsilon (value, expected, 1e-9);
}

static GPtrArray *
from_event (const char *event,
            const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return sy_quota_from_event ("codex", event, node, NOW);
}

static GPtrArray *
from_body (const char *provider,
           const char *model,
           guint       status,
           const char *body)
{
  return sy_quota_from_error_body (provider, model, status, body, strlen (body), NOW);
}

/* -- Claude headers ------------------------------------------------------------ */

static const char * const claude_ok[] = {
  "content-type", "text/event-stream",
  "Anthropic-Ratelimit-Unified-Status", "allowed",
  "Anthropic-Ratelimit-Unified-Reset", "1777608000",
  "Anthropic-Ratelimit-Unified-Representative-Claim", "five_hour",
  "Anthropic-Ratelimit-Unified-Fallback-Percentage", "0.5",
  "anthropic-ratelimit-unified-5h-utilization", "0.42",
  "anthropic-ratelimit-unified-5h-reset", "1777608000",
  "anthropic-ratelimit-unified-5h-status", "allowed",
  "anthropic-ratelimit-unified-7d-utilization", "0.85",
  "anthropic-ratelimit-unified-7d-reset", "1777939200",
  "anthropic-ratelimit-unified-7d-status", "allowed_warning",
  "anthropic-ratelimit-unified-7d_sonnet-utilization", "0.27",
  "anthropic-ratelimit-unified-7d_sonnet-reset", "1777939200",
  "anthropic-ratelimit-unified-7d_sonnet-status", "allowed",
  "anthropic-ratelimit-unified-overage-status", "rejected",
  "anthropic-ratelimit-unified-overage-disabled-reason", "out_of_credits",
  NULL
};

/* A 429: the 5-hour window is spent. */
static const char * const claude_rejected[] = {
  "anthropic-ratelimit-unified-status", "rejected",
  "anthropic-ratelimit-unified-5h-status", "rejected",
  "anthropic-ratelimit-unified-5h-reset", "1777602000",
  "anthropic-ratelimit-unified-5h-utilization", "1.0",
  "anthropic-ratelimit-unified-7d-status", "allowed",
  "anthropic-ratelimit-unified-7d-reset", "1777939200",
  "anthropic-ratelimit-unified-7d-utilization", "0.59",
  "anthropic-ratelimit-unified-representative-claim", "five_hour",
  "anthropic-ratelimit-unified-fallback-percentage", "0.5",
  "anthropic-ratelimit-unified-overage-disabled-reason", "out_of_credits",
  "anthropic-ratelimit-unified-overage-status", "rejected",
  "retry-after", "2094",
  NULL
};

/* A 429 that carries only the unified headers. */
static const char * const claude_rejected_bare[] = {
  "anthropic-ratelimit-unified-status", "rejected",
  "anthropic-ratelimit-unified-reset", "1777939200",
  "anthropic-ratelimit-unified-representative-claim", "seven_day",
  NULL
};

static void
test_claude_headers (void)
{
  g_autoptr(GPtrArray) windows = from_headers ("claude", claude_ok);
  const SyQuotaWindow *w;

  g_assert_cmpuint (windows->len, ==, 3);

  w = window_of (windows, "five_hour");
  g_assert_nonnull (w);
  g_assert_cmpstr (w->label, ==, "5-hour");
  g_assert_null (w->model);
  assert_fraction (w->remaining, 0.58);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777608000) * SEC);
  g_assert_cmpint (w->window_us, ==, 5 * HOUR);
  g_assert_cmpint (w->observed_us, ==, NOW);
  g_assert_cmpint (w->source, ==, SY_QUOTA_SOURCE_HEADERS);

  w = window_of (windows, "seven_day");
  g_assert_nonnull (w);
  g_assert_cmpstr (w->label, ==, "Weekly");
  assert_fraction (w->remaining, 0.15);
  g_assert_cmpint (w->window_us, ==, 7 * DAY);

  /* The Sonnet window meters the Sonnet models only. */
  w = window_of (windows, "seven_day_sonnet");
  g_assert_nonnull (w);
  g_assert_cmpstr (w->model, ==, "*sonnet*");
  assert_fraction (w->remaining, 0.73);
  g_assert_true (sy_quota_window_meters (w, "claude-sonnet-4-5-20250929"));
  g_assert_true (sy_quota_window_meters (w, "claude-3-7-sonnet-20250219"));
  g_assert_false (sy_quota_window_meters (w, "claude-opus-4-1"));

  /* No opus window was sent; the overage pool is not a window. */
  g_assert_null (window_of (windows, "seven_day_opus"));
  g_assert_null (window_of (windows, "overage"));
}

/* Reset times no clock reaches: unknown (0), not converted past gint64's
 * range (9.5e15 ms was 9.5e18 µs: undefined behaviour, which the
 * sanitizer build stops on; in a plain build a garbage time). */
static void
test_claude_absurd_reset (void)
{
  static const char *const resets[] = { "9500000000000000", "1e300", "200000000000000" };

  for (guint i = 0; i < G_N_ELEMENTS (resets); i++)
    {
      const char *headers[] = {
        "anthropic-ratelimit-unified-5h-utilization", "0.42",
        "anthropic-ratelimit-unified-5h-reset", resets[i],
        NULL
      };
      g_autoptr(GPtrArray) windows = from_headers ("claude", headers);
      const SyQuotaWindow *w = window_of (windows, "five_hour");

      g_assert_nonnull (w);
      assert_fraction (w->remaining, 0.58);
      g_assert_cmpint (w->reset_us, ==, 0);
    }
}

static void
test_claude_rejected (void)
{
  g_autoptr(GPtrArray) windows = from_headers ("claude", claude_rejected);
  g_autoptr(GPtrArray) bare = from_headers ("claude", claude_rejected_bare);
  const char * const over[] = {
    "anthropic-ratelimit-unified-7d-utilization", "1.02",
    "anthropic-ratelimit-unified-7d-status", "allowed_warning",
    "anthropic-ratelimit-unified-5h-utilization", "NaN",
    "anthropic-ratelimit-unified-7d_opus-utilization", "-0.1",
    NULL
  };
  g_autoptr(GPtrArray) overused = from_headers ("claude", over);
  const SyQuotaWindow *w;

  g_assert_cmpuint (windows->len, ==, 2);
  w = window_of (windows, "five_hour");
  assert_fraction (w->remaining, 0.0);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777602000) * SEC);
  assert_fraction (window_of (windows, "seven_day")->remaining, 0.41);

  /* Only the unified headers: the representative claim names the window. */
  g_assert_cmpuint (bare->len, ==, 1);
  w = window_of (bare, "seven_day");
  g_assert_nonnull (w);
  assert_fraction (w->remaining, 0.0);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777939200) * SEC);

  /* Past 100 % nothing is left; numbers that are no fraction are no window. */
  g_assert_cmpuint (overused->len, ==, 1);
  assert_fraction (window_of (overused, "seven_day")->remaining, 0.0);
}

/* -- Codex headers ------------------------------------------------------------- */

static const char * const codex_reset_at[] = {
  "x-codex-plan-type", "plus",
  "x-codex-active-limit", "premium",
  "X-Codex-Primary-Used-Percent", "42",
  "X-Codex-Primary-Window-Minutes", "300",
  "X-Codex-Primary-Reset-At", "1777600800",
  "x-codex-secondary-used-percent", "12.5",
  "x-codex-secondary-window-minutes", "10080",
  "x-codex-secondary-reset-at", "1778025600",
  "x-codex-primary-over-secondary-limit-percent", "20",
  "x-codex-credits-has-credits", "false",
  NULL
};

/* The older spelling: seconds from now. */
static const char * const codex_reset_after[] = {
  "x-codex-primary-used-percent", "2",
  "x-codex-primary-window-minutes", "300",
  "x-codex-primary-reset-after-seconds", "14180",
  "x-codex-secondary-used-percent", "100",
  "x-codex-secondary-window-minutes", "10080",
  "x-codex-secondary-reset-after-seconds", "510106",
  NULL
};

static void
test_codex_headers (void)
{
  g_autoptr(GPtrArray) windows = from_headers ("codex", codex_reset_at);
  g_autoptr(GPtrArray) after = from_headers ("codex", codex_reset_after);
  const char * const iso[] = {
    "x-codex-primary-used-percent", "61",
    "x-codex-primary-reset-at", "2026-05-01T05:00:00Z",
    "x-codex-primary-reset-after-seconds", "60",
    "x-codex-secondary-used-percent", "",
    "x-codex-secondary-window-minutes", "10080",
    NULL
  };
  g_autoptr(GPtrArray) both = from_headers ("codex", iso);
  const char * const none[] = { "content-type", "application/json", NULL };
  g_autoptr(GPtrArray) empty = from_headers ("codex", none);
  const SyQuotaWindow *w;

  g_assert_cmpuint (windows->len, ==, 2);
  w = window_of (windows, "primary");
  g_assert_cmpstr (w->label, ==, "5-hour");
  g_assert_null (w->model);
  assert_fraction (w->remaining, 0.58);
  g_assert_cmpint (w->window_us, ==, 5 * HOUR);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777600800) * SEC);
  w = window_of (windows, "secondary");
  g_assert_cmpstr (w->label, ==, "Weekly");
  assert_fraction (w->remaining, 0.875);
  g_assert_cmpint (w->window_us, ==, 7 * DAY);

  g_assert_cmpuint (after->len, ==, 2);
  g_assert_cmpint (window_of (after, "primary")->reset_us, ==, NOW + 14180 * SEC);
  assert_fraction (window_of (after, "secondary")->remaining, 0.0);
  g_assert_cmpint (window_of (after, "secondary")->reset_us, ==, NOW + 510106 * SEC);

  /* reset-at wins over reset-after-seconds, and may be a date; without
   * the window length the label is the slot's; an empty percent is none. */
  g_assert_cmpuint (both->len, ==, 1);
  w = window_of (both, "primary");
  g_assert_cmpint (w->reset_us, ==, NOW + 5 * HOUR);
  g_assert_cmpint (w->window_us, ==, 0);
  g_assert_cmpstr (w->label, ==, "Primary");

  g_assert_cmpuint (empty->len, ==, 0);
}

/* -- Codex events --------------------------------------------------------------- */

static void
test_codex_event (void)
{
  g_autoptr(GPtrArray) windows =
    from_event ("codex.rate_limits",
                "{\"type\":\"codex.rate_limits\",\"plan_type\":\"plus\",\"rate_limits\":{"
                "\"allowed\":true,\"limit_reached\":false,"
                "\"primary\":{\"used_percent\":31,\"window_minutes\":300,\"reset_at\":1777600800},"
                "\"secondary\":{\"used_percent\":40.5,\"window_minutes\":10080,\"reset_at\":1778025600}},"
                "\"credits\":{\"has_credits\":false,\"unlimited\":false,\"balance\":null}}");
  /* No SSE event name (a WebSocket frame); seconds from now. */
  g_autoptr(GPtrArray) relative =
    from_event (NULL,
                "{\"type\":\"codex.rate_limits\",\"rate_limits\":{"
                "\"primary\":{\"used_percent\":4.0,\"window_minutes\":300,\"resets_in_seconds\":1800}}}");
  g_autoptr(GPtrArray) family =
    from_event ("codex.rate_limits",
                "{\"type\":\"codex.rate_limits\",\"metered_limit_name\":\"codex_bengalfox\","
                "\"rate_limits\":{\"primary\":{\"used_percent\":90,\"window_minutes\":300}}}");
  g_autoptr(GPtrArray) failed =
    from_event ("response.failed",
                "{\"type\":\"response.failed\",\"response\":{\"id\":\"resp_1\",\"status\":\"failed\","
                "\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached\","
                "\"resets_in_seconds\":3600}}}");
  g_autoptr(GPtrArray) other =
    from_event ("response.completed", "{\"type\":\"response.completed\",\"response\":{\"usage\":{}}}");
  g_autoptr(GPtrArray) overloaded =
    from_event ("response.failed",
                "{\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"server_is_overloaded\"}}}");
  const SyQuotaWindow *w;

  g_assert_cmpuint (windows->len, ==, 2);
  w = window_of (windows, "primary");
  assert_fraction (w->remaining, 0.69);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777600800) * SEC);
  g_assert_cmpint (w->source, ==, SY_QUOTA_SOURCE_EVENT);
  g_assert_cmpstr (w->label, ==, "5-hour");
  assert_fraction (window_of (windows, "secondary")->remaining, 0.595);

  g_assert_cmpuint (relative->len, ==, 1);
  g_assert_cmpint (window_of (relative, "primary")->reset_us, ==, NOW + 1800 * SEC);

  /* A model family's limits do not say which models: not the account's. */
  g_assert_cmpuint (family->len, ==, 0);

  g_assert_cmpuint (failed->len, ==, 1);
  w = window_of (failed, "usage_limit");
  g_assert_nonnull (w);
  assert_fraction (w->remaining, 0.0);
  g_assert_cmpint (w->reset_us, ==, NOW + HOUR);
  g_assert_null (w->model);

  g_assert_cmpuint (other->len, ==, 0);
  g_assert_cmpuint (overloaded->len, ==, 0);
}

/* -- 429 bodies ------------------------------------------------------------------ */

/* providers.md: a rate limit of seconds, not the quota. */
static const char google_short[] =
  "{\"error\":{\"code\":429,\"message\":\"You have exhausted your capacity on this model. "
  "Your quota will reset after 17s.\",\"status\":\"RESOURCE_EXHAUSTED\","
  "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE_LIMIT_EXCEEDED\","
  "\"domain\":\"cloudcode-pa.googleapis.com\",\"metadata\":{\"quotaResetDelay\":\"17.2s\","
  "\"model\":\"gemini-2.5-pro\"}},"
  "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"17.2s\"}]}}";

static const char google_exhausted[] =
  "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
  "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
  "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"37s\"},"
  "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"QUOTA_EXHAUSTED\","
  "\"domain\":\"cloudcode-pa.googleapis.com\",\"metadata\":{\"quotaResetDelay\":\"3h0m37s\","
  "\"quotaResetTimeStamp\":\"2026-05-01T03:00:37Z\",\"model\":\"gemini-2.5-pro\",\"uiMessage\":\"true\"}}]}}";

/* Antigravity: a long RATE_LIMIT_EXCEEDED counts as the quota running out. */
static const char google_long[] =
  "[{\"error\":{\"code\":429,\"message\":\"You have exhausted your capacity on this model.\","
  "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
  "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE_LIMIT_EXCEEDED\","
  "\"metadata\":{\"quotaResetDelay\":\"1h0m0s\",\"model\":\"claude-opus-4-6-thinking\"}}]}}]";

static const char google_no_model[] =
  "{\"error\":{\"code\":429,\"message\":\"Quota exceeded.\",\"status\":\"RESOURCE_EXHAUSTED\","
  "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"86400s\"}]}}";

static void
test_error_google (void)
{
  g_autoptr(GPtrArray) short_limit = from_body ("gemini-cli", "gemini-2.5-pro", 429, google_short);
  g_autoptr(GPtrArray) exhausted = from_body ("gemini-cli", "gemini-2.5-flash", 429, google_exhausted);
  g_autoptr(GPtrArray) long_limit = from_body ("antigravity", NULL, 429, google_long);
  g_autoptr(GPtrArray) asked = from_body ("gemini", "gemini-2.5-flash", 429, google_no_model);
  g_autoptr(GPtrArray) unknown = from_body ("gemini", NULL, 429, google_no_model);
  g_autoptr(GPtrArray) ok = from_body ("gemini-cli", "gemini-2.5-pro", 200, google_exhausted);
  const SyQuotaWindow *w;

  g_assert_cmpuint (short_limit->len, ==, 0);

  /* The body's model wins over the one asked for; the timestamp over the delay. */
  g_assert_cmpuint (exhausted->len, ==, 1);
  w = window_of (exhausted, "model:gemini-2.5-pro");
  g_assert_nonnull (w);
  g_assert_cmpstr (w->model, ==, "gemini-2.5-pro");
  g_assert_cmpstr (w->label, ==, "gemini-2.5-pro");
  assert_fraction (w->remaining, 0.0);
  g_assert_cmpint (w->reset_us, ==, NOW + 3 * HOUR + 37 * SEC);
  g_assert_cmpint (w->source, ==, SY_QUOTA_SOURCE_ERROR);

  g_assert_cmpuint (long_limit->len, ==, 1);
  w = window_of (long_limit, "model:claude-opus-4-6-thinking");
  g_assert_nonnull (w);
  g_assert_cmpint (w->reset_us, ==, NOW + HOUR);

  /* No ErrorInfo: the model asked for, the RetryInfo delay. */
  g_assert_cmpuint (asked->len, ==, 1);
  g_assert_cmpint (window_of (asked, "model:gemini-2.5-flash")->reset_us, ==, NOW + DAY);
  g_assert_cmpuint (unknown->len, ==, 0);
  g_assert_cmpuint (ok->len, ==, 0);
}

static void
test_error_codex (void)
{
  const char *limit =
    "{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached\","
    "\"plan_type\":\"plus\",\"resets_at\":1777600800,\"resets_in_seconds\":7200}}";
  const char *in_seconds =
    "{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached\","
    "\"resets_in_seconds\":\"5400\"}}";
  const char *claude = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited. "
                       "Please try again after 30s.\"}}";
  g_autoptr(GPtrArray) windows = from_body ("codex", "gpt-5", 429, limit);
  g_autoptr(GPtrArray) relative = from_body ("codex", "gpt-5", 429, in_seconds);
  g_autoptr(GPtrArray) free_text = from_body ("claude", "claude-sonnet-4-5", 429, claude);
  g_autoptr(GPtrArray) server = from_body ("codex", "gpt-5", 500, limit);
  g_autoptr(GPtrArray) garbage = from_body ("codex", "gpt-5", 429, "upstream connect error");
  g_autoptr(GPtrArray) deep = NULL;
  g_autoptr(GString) nested = g_string_new (NULL);
  const SyQuotaWindow *w;

  g_assert_cmpuint (windows->len, ==, 1);
  w = window_of (windows, "usage_limit");
  g_assert_nonnull (w);
  g_assert_null (w->model);
  assert_fraction (w->remaining, 0.0);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1777600800) * SEC);
  g_assert_cmpint (w->source, ==, SY_QUOTA_SOURCE_ERROR);

  g_assert_cmpuint (relative->len, ==, 1);
  g_assert_cmpint (window_of (relative, "usage_limit")->reset_us, ==, NOW + 5400 * SEC);

  /* A delay in words names no window; neither does a 500 or plain text. */
  g_assert_cmpuint (free_text->len, ==, 0);
  g_assert_cmpuint (server->len, ==, 0);
  g_assert_cmpuint (garbage->len, ==, 0);

  /* Nesting too deep to parse is no body at all. */
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (nested, '[');
  deep = from_body ("codex", "gpt-5", 429, nested->str);
  g_assert_cmpuint (deep->len, ==, 0);
}

/* -- Windows ----------------------------------------------------------------------- */

static void
test_window_json (void)
{
  g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("five_hour", "5-hour", NULL, 0.58,
                                                    NOW + 5 * HOUR, 5 * HOUR, NOW + 7 * SEC,
                                                    SY_QUOTA_SOURCE_EVENT);
  g_autoptr(SyQuotaWindow) unknown = sy_quota_window_new ("model:x", NULL, "x", -3, 0, 0, NOW,
                                                          SY_QUOTA_SOURCE_ACTIVE);
  g_autoptr(JsonNode) node = sy_quota_window_to_json (w);
  g_autoptr(JsonNode) unknown_node = sy_quota_window_to_json (unknown);
  g_autoptr(SyQuotaWindow) back = sy_quota_window_from_json (node);
  g_autoptr(SyQuotaWindow) copy = sy_quota_window_copy (unknown);
  g_autoptr(JsonNode) not_window = json_from_string ("{\"label\":\"no id\"}", NULL);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *unknown_text = json_to_string (unknown_node, FALSE);

  g_assert_cmpstr (text, ==,
                   "{\"id\":\"five_hour\",\"label\":\"5-hour\",\"remaining\":0.57999999999999996,"
                   "\"used_percent\":42.0,\"reset_at\":\"2026-05-01T05:00:00Z\",\"window_seconds\":18000,"
                   "\"observed_at\":\"2026-05-01T00:00:07Z\",\"source\":\"event\"}");
  /* Unknown stays unknown; the label defaults to the id. */
  g_assert_cmpstr (unknown_text, ==,
                   "{\"id\":\"model:x\",\"label\":\"model:x\",\"model\":\"x\",\"remaining\":null,"
                   "\"used_percent\":null,\"observed_at\":\"2026-05-01T00:00:00Z\",\"source\":\"active\"}");

  g_assert_nonnull (back);
  g_assert_cmpstr (back->id, ==, "five_hour");
  g_assert_cmpstr (back->label, ==, "5-hour");
  g_assert_null (back->model);
  assert_fraction (back->remaining, 0.58);
  g_assert_cmpint (back->reset_us, ==, NOW + 5 * HOUR);
  g_assert_cmpint (back->window_us, ==, 5 * HOUR);
  g_assert_cmpint (back->observed_us, ==, NOW + 7 * SEC);
  g_assert_cmpint (back->source, ==, SY_QUOTA_SOURCE_EVENT);

  g_assert_cmpstr (copy->model, ==, "x");
  g_assert_cmpfloat (copy->remaining, ==, -1);
  g_assert_null (sy_quota_window_from_json (not_window));
  g_assert_cmpint (sy_quota_source_from_string ("error"), ==, SY_QUOTA_SOURCE_ERROR);
  g_assert_cmpstr (sy_quota_source_to_string (SY_QUOTA_SOURCE_HEADERS), ==, "headers");
}

static void
test_window_meters (void)
{
  g_autoptr(SyQuotaWindow) account = sy_quota_window_new ("primary", NULL, NULL, 1, 0, 0, NOW,
                                                          SY_QUOTA_SOURCE_HEADERS);
  g_autoptr(SyQuotaWindow) model = sy_quota_window_new ("model:Gemini-2.5-Pro", NULL, "Gemini-2.5-Pro",
                                                        0, 0, 0, NOW, SY_QUOTA_SOURCE_ERROR);
  g_autoptr(SyQuotaWindow) family = sy_quota_window_new ("seven_day_opus", NULL, "*opus*", 1, 0, 0, NOW,
                                                         SY_QUOTA_SOURCE_HEADERS);

  g_assert_true (sy_quota_window_meters (account, "anything"));
  g_assert_true (sy_quota_window_meters (account, NULL));
  g_assert_true (sy_quota_window_meters (model, "gemini-2.5-pro"));
  g_assert_false (sy_quota_window_meters (model, "gemini-2.5-pro-preview"));
  g_assert_false (sy_quota_window_meters (model, NULL));
  g_assert_true (sy_quota_window_meters (family, "Claude-Opus-4-1"));
  g_assert_false (sy_quota_window_meters (family, "claude-sonnet-4-5"));
}

/* -- Forecast ---------------------------------------------------------------------- */

/* Readings of one window: (minutes after NOW, remaining, reset). */
typedef struct
{
  int    minute;
  double remaining;
  gint64 reset_us;
} Reading;

static gboolean
forecast (const Reading *readings,
          guint          n,
          gint64         now_us,
          gint64        *exhausted_us)
{
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (windows, sy_quota_window_new ("primary", NULL, NULL, readings[i].remaining,
                                                   readings[i].reset_us, 5 * HOUR,
                                                   NOW + readings[i].minute * MINUTE,
                                                   SY_QUOTA_SOURCE_HEADERS));
  return sy_quota_forecast ((const SyQuotaWindow * const *) windows->pdata, n, now_us, exhausted_us);
}

static void
test_forecast_steady (void)
{
  gint64 reset = NOW + 20 * HOUR;
  /* One percent every ten minutes, with noise around the line. */
  const Reading steady[] = {
    { 0, 0.90, reset }, { 10, 0.885, reset }, { 20, 0.88, reset },
    { 30, 0.865, reset }, { 40, 0.86, reset },
  };
  /* A reset time given as "seconds from now" wobbles: still one run. */
  const Reading wobble[] = {
    { 0, 0.90, reset - 2 * SEC }, { 30, 0.87, reset + SEC }, { 60, 0.84, reset },
  };
  const Reading soon_reset[] = {
    { 0, 0.90, NOW + 2 * HOUR }, { 60, 0.84, NOW + 2 * HOUR },
  };
  const Reading no_reset[] = {
    { 0, 0.90, 0 }, { 60, 0.84, 0 },
  };
  gint64 exhausted = -1;
  gint64 now = NOW + 40 * MINUTE;
  double slope_per_s = 0.001 / 60.0;

  g_assert_true (forecast (steady, G_N_ELEMENTS (steady), now, &exhausted));
  /* Least squares gives exactly 1 % per 10 min; 86 % left. */
  g_assert_cmpint (llabs (exhausted - (now + (gint64) (0.86 / slope_per_s * G_USEC_PER_SEC))), <, SEC);

  g_assert_true (forecast (wobble, G_N_ELEMENTS (wobble), NOW + HOUR, &exhausted));
  g_assert_cmpint (llabs (exhausted - (NOW + HOUR + (gint64) (0.84 / slope_per_s * G_USEC_PER_SEC))), <, SEC);

  /* 84 % at 1 % per 10 min takes 14 h: the window resets first. */
  g_assert_false (forecast (soon_reset, G_N_ELEMENTS (soon_reset), NOW + HOUR, &exhausted));
  g_assert_cmpint (exhausted, ==, 0);
  /* With no reset time known, the forecast stands. */
  g_assert_true (forecast (no_reset, G_N_ELEMENTS (no_reset), NOW + HOUR, &exhausted));
  g_assert_cmpint (llabs (exhausted - (NOW + HOUR + 840 * MINUTE)), <, SEC);
}

static void
test_forecast_idle (void)
{
  gint64 reset = NOW + 10 * HOUR;
  const Reading idle[] = { { 0, 0.5, reset }, { 30, 0.5, reset }, { 90, 0.5, reset } };
  gint64 exhausted = -1;

  g_assert_false (forecast (idle, G_N_ELEMENTS (idle), NOW + 2 * HOUR, &exhausted));
  g_assert_cmpint (exhausted, ==, 0);
}

static void
test_forecast_reset_between (void)
{
  gint64 reset = NOW + 10 * HOUR;
  gint64 old_reset = NOW + HOUR;
  gint64 new_reset = NOW + 6 * HOUR;
  /* A fast burn, then more left (a rolling window gave some back): only
   * the slow burn since counts, 0.2 % a minute. */
  const Reading up[] = {
    { 0, 0.90, reset }, { 30, 0.60, reset }, { 60, 0.30, reset },
    { 80, 0.95, reset }, { 90, 0.93, reset }, { 100, 0.91, reset },
  };
  /* The reset time moved but nothing came back yet (an idle window that
   * reset): the earlier readings are another run all the same. Counted
   * with them, the pace would run the window out before 6 h. */
  const Reading moved[] = {
    { 0, 0.90, old_reset }, { 30, 0.60, old_reset },
    { 70, 0.60, new_reset }, { 90, 0.58, new_reset },
  };
  gint64 exhausted = -1;

  g_assert_true (forecast (up, G_N_ELEMENTS (up), NOW + 100 * MINUTE, &exhausted));
  g_assert_cmpint (llabs (exhausted - (NOW + 100 * MINUTE + 455 * MINUTE)), <, SEC);

  g_assert_false (forecast (moved, G_N_ELEMENTS (moved), NOW + 90 * MINUTE, &exhausted));
  g_assert_cmpint (exhausted, ==, 0);
}

static void
test_forecast_reset_between_burning (void)
{
  gint64 old_reset = NOW + HOUR;
  gint64 new_reset = NOW + 6 * HOUR;
  /* A slow burn, a reset, then a fast one that runs out before 6 h. */
  const Reading runs[] = {
    { 0, 0.50, old_reset }, { 20, 0.49, old_reset }, { 40, 0.48, old_reset },
    { 70, 1.00, new_reset }, { 80, 0.90, new_reset }, { 90, 0.80, new_reset },
  };
  gint64 exhausted = -1;
  gint64 now = NOW + 90 * MINUTE;

  g_assert_true (forecast (runs, G_N_ELEMENTS (runs), now, &exhausted));
  /* 10 % per 10 min, 80 % left: 80 min. */
  g_assert_cmpint (llabs (exhausted - (now + 80 * MINUTE)), <, SEC);
}

static void
test_forecast_too_few (void)
{
  gint64 reset = NOW + 10 * HOUR;
  const Reading one[] = { { 0, 0.5, reset } };
  /* Two readings of the same minute: too short to tell a pace. */
  const Reading close_pair[] = { { 0, 0.5, reset }, { 0, 0.4, reset } };
  /* Readings of unknown remaining, and from the future, do not count. */
  const Reading unusable[] = { { 0, 0.5, reset }, { 10, -1, reset }, { 200, 0.1, reset } };
  gint64 exhausted = -1;

  g_assert_false (forecast (NULL, 0, NOW, &exhausted));
  g_assert_cmpint (exhausted, ==, 0);
  g_assert_false (forecast (one, G_N_ELEMENTS (one), NOW + MINUTE, &exhausted));
  g_assert_false (forecast (close_pair, G_N_ELEMENTS (close_pair), NOW + MINUTE, &exhausted));
  g_assert_false (forecast (unusable, G_N_ELEMENTS (unusable), NOW + HOUR, &exhausted));
  g_assert_cmpint (exhausted, ==, 0);
}

/* -- State ---------------------------------------------------------------------- */

typedef struct
{
  guint n;
  guint what;    /* all flags seen */
  guint last;
} Changes;

static void
on_changed (SyAccountState *state,
            guint           what,
            gpointer        user_data)
{
  Changes *changes = user_data;

  changes->n++;
  changes->what |= what;
  changes->last = what;
}

static GPtrArray *
windows_of (SyQuotaWindow *first,
            ...)
{
  GPtrArray *windows = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  va_list args;

  va_start (args, first);
  for (SyQuotaWindow *w = first; w != NULL; w = va_arg (args, SyQuotaWindow *))
    g_ptr_array_add (windows, w);
  va_end (args);
  return windows;
}

static SyQuotaWindow *
reading (const char *id,
         const char *model,
         double      remaining,
         gint64      reset_us,
         gint64      observed_us)
{
  return sy_quota_window_new (id, NULL, model, remaining, reset_us, 0, observed_us, SY_QUOTA_SOURCE_HEADERS);
}

static void
update (SyAccountState *state,
        GPtrArray      *windows,
        gint64          now_us)
{
  sy_account_state_update_quota_windows (state, windows, now_us);
  g_ptr_array_unref (windows);
}

static SyFailure
quota_failure (gint64 retry_after_us)
{
  SyFailure f = { 429, SY_FAILURE_QUOTA, retry_after_us, FALSE, FALSE };

  return f;
}

static void
test_state_windows (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("claude:1", "claude");
  g_autoptr(GPtrArray) dup = NULL;
  g_auto(GStrv) models = NULL;
  Changes changes = { 0 };
  gint64 reset = NOW + 5 * HOUR;
  SyModelState ms;

  g_signal_connect (state, "changed", G_CALLBACK (on_changed), &changes);

  update (state, windows_of (reading ("seven_day", NULL, 0.6, NOW + 3 * DAY, NOW),
                             reading ("five_hour", NULL, 0.8, reset, NOW), NULL), NOW);
  g_assert_cmpuint (changes.n, ==, 1);
  g_assert_cmpuint (changes.last, ==, SY_ACCOUNT_CHANGED_QUOTA);
  assert_fraction (sy_account_state_get_quota (state, NULL), 0.6);
  assert_fraction (sy_account_state_get_quota (state, "claude-opus-4-1"), 0.6);

  /* A new reading replaces the window of its id; the lowest counts. */
  update (state, windows_of (reading ("five_hour", NULL, 0.5, reset, NOW + MINUTE), NULL), NOW + MINUTE);
  dup = sy_account_state_dup_quota_windows (state);
  g_assert_cmpuint (dup->len, ==, 2);
  g_assert_cmpstr (((SyQuotaWindow *) dup->pdata[0])->id, ==, "five_hour");
  assert_fraction (((SyQuotaWindow *) dup->pdata[0])->remaining, 0.5);
  g_assert_cmpstr (((SyQuotaWindow *) dup->pdata[1])->id, ==, "seven_day");
  assert_fraction (sy_account_state_get_quota (state, NULL), 0.5);
  sy_account_state_get_model (state, "claude-opus-4-1", NOW + MINUTE, &ms);
  assert_fraction (ms.quota, 0.5);
  g_assert_cmpint (ms.quota_reset_us, ==, reset);
  g_clear_pointer (&dup, g_ptr_array_unref);

  /* An older reading (a late answer) does not undo a newer one. */
  update (state, windows_of (reading ("five_hour", NULL, 0.9, reset, NOW), NULL), NOW + 2 * MINUTE);
  assert_fraction (sy_account_state_get_quota (state, NULL), 0.5);
  g_assert_cmpuint (changes.n, ==, 2);

  /* Model windows: the Sonnet family, one Google-style model. */
  update (state, windows_of (reading ("seven_day_sonnet", "*sonnet*", 0.3, NOW + 3 * DAY, NOW + 3 * MINUTE),
                             reading ("model:gemini-2.5-pro", "gemini-2.5-pro", 0.0, NOW + HOUR, NOW + 3 * MINUTE),
                             NULL), NOW + 3 * MINUTE);
  assert_fraction (sy_account_state_get_quota (state, "claude-sonnet-4-5"), 0.3);
  assert_fraction (sy_account_state_get_quota (state, "claude-opus-4-1"), 0.5);
  assert_fraction (sy_account_state_get_quota (state, NULL), 0.5);
  assert_fraction (sy_account_state_get_quota (state, "Gemini-2.5-Pro"), 0.0);
  sy_account_state_get_model (state, "gemini-2.5-pro", NOW + 3 * MINUTE, &ms);
  g_assert_cmpint (ms.quota_reset_us, ==, NOW + HOUR);
  models = sy_account_state_list_models (state);
  g_assert_cmpuint (g_strv_length (models), ==, 1);
  g_assert_cmpstr (models[0], ==, "gemini-2.5-pro");

  /* The account falling below a model's own window pulls the model down. */
  update (state, windows_of (reading ("five_hour", NULL, 0.1, reset, NOW + 4 * MINUTE), NULL), NOW + 4 * MINUTE);
  assert_fraction (sy_account_state_get_quota (state, "claude-sonnet-4-5"), 0.1);
  g_assert_cmpuint (changes.what, ==, SY_ACCOUNT_CHANGED_QUOTA);

  /* Past their reset times windows go, and the fractions with them. */
  update (state, windows_of (NULL), NOW + 2 * HOUR);
  assert_fraction (sy_account_state_get_quota (state, "gemini-2.5-pro"), 0.1);
  update (state, windows_of (NULL), NOW + 4 * DAY);
  dup = sy_account_state_dup_quota_windows (state);
  g_assert_cmpuint (dup->len, ==, 0);
  g_assert_cmpfloat (sy_account_state_get_quota (state, NULL), <, 0);
  g_assert_cmpfloat (sy_account_state_get_quota (state, "claude-sonnet-4-5"), <, 0);

  /* Nothing new: no signal. */
  changes.n = 0;
  update (state, windows_of (NULL), NOW + 5 * DAY);
  g_assert_cmpuint (changes.n, ==, 0);
}

static void
test_state_recovery (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("codex:1", "codex");
  SyFailure quota = quota_failure (3 * HOUR);
  Changes changes = { 0 };
  gint64 reset = NOW + 2 * HOUR;
  SyModelState ms;

  g_signal_connect (state, "changed", G_CALLBACK (on_changed), &changes);
  sy_account_state_mark_failure (state, "gpt-5", &quota, NULL, FALSE, NOW);
  sy_account_state_mark_failure (state, "gpt-5-mini", &quota, NULL, FALSE, NOW);

  /* The window that ran out, read again before its reset: still out. */
  update (state, windows_of (reading ("primary", NULL, 0.0, reset, NOW), NULL), NOW);
  update (state, windows_of (reading ("primary", NULL, 0.0, reset, NOW + HOUR), NULL), NOW + HOUR);
  sy_account_state_get_model (state, "gpt-5", NOW + HOUR, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  assert_fraction (ms.quota, 0.0);

  /* After its reset time, with quota left: both models are back. */
  changes.n = 0;
  update (state, windows_of (reading ("primary", NULL, 0.97, NOW + 7 * HOUR, reset + MINUTE), NULL),
          reset + MINUTE);
  g_assert_cmpuint (changes.n, ==, 1);
  g_assert_cmpuint (changes.last, ==, SY_ACCOUNT_CHANGED_QUOTA | SY_ACCOUNT_CHANGED_STATE);
  sy_account_state_get_model (state, "gpt-5", reset + MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  assert_fraction (ms.quota, 0.97);
  sy_account_state_get_model (state, "gpt-5-mini", reset + MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
}

/* A fresh 429 cooldown is not undone by readings that show quota left:
 * no window ran out, none came back. */
static void
test_state_keeps_fresh_cooldown (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("claude:1", "claude");
  SyFailure quota = quota_failure (10 * MINUTE);
  gint64 reset = NOW + 5 * HOUR;
  SyModelState ms;

  update (state, windows_of (reading ("five_hour", NULL, 0.7, reset, NOW), NULL), NOW);
  sy_account_state_mark_failure (state, "claude-sonnet-4-5", &quota, NULL, FALSE, NOW);
  update (state, windows_of (reading ("five_hour", NULL, 0.69, reset, NOW), NULL), NOW);
  sy_account_state_get_model (state, "claude-sonnet-4-5", NOW, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
}

/* A window that ran out and passed its reset time, with no new reading of
 * it (a 429's usage_limit): the next reading with quota left ends it. */
static void
test_state_expired_window (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("codex:1", "codex");
  /* Longer than the window's reset: a cooldown from another reading. */
  SyFailure quota = quota_failure (2 * HOUR);
  g_autoptr(GPtrArray) dup = NULL;
  gint64 reset = NOW + HOUR;
  SyModelState ms;

  sy_account_state_mark_failure (state, "gpt-5", &quota, NULL, FALSE, NOW);
  {
    const char *body = "{\"error\":{\"type\":\"usage_limit_reached\",\"resets_in_seconds\":3600}}";
    GPtrArray *windows = from_body ("codex", "gpt-5", 429, body);

    update (state, windows, NOW);
  }
  assert_fraction (sy_account_state_get_quota (state, "gpt-5"), 0.0);

  update (state, windows_of (reading ("primary", NULL, 0.4, reset + HOUR, reset + SEC), NULL), reset + SEC);
  sy_account_state_get_model (state, "gpt-5", reset + SEC, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  dup = sy_account_state_dup_quota_windows (state);
  g_assert_cmpuint (dup->len, ==, 1);
  g_assert_cmpstr (((SyQuotaWindow *) dup->pdata[0])->id, ==, "primary");
}

/* A model window that comes back ends the cooldowns of its models only;
 * while the account window is at zero nothing comes back. */
static void
test_state_model_recovery (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("claude:1", "claude");
  SyFailure quota = quota_failure (3 * DAY);
  gint64 week = NOW + 2 * DAY;
  SyModelState ms;

  sy_account_state_mark_failure (state, "claude-sonnet-4-5", &quota, NULL, FALSE, NOW);
  sy_account_state_mark_failure (state, "claude-opus-4-1", &quota, NULL, FALSE, NOW);
  update (state, windows_of (reading ("seven_day_sonnet", "*sonnet*", 0.0, week, NOW),
                             reading ("seven_day_opus", "*opus*", 0.0, NOW + 5 * DAY, NOW),
                             reading ("five_hour", NULL, 0.0, week + HOUR, NOW), NULL), NOW);

  /* The Sonnet week comes back, but the account's 5 hours are still spent. */
  update (state, windows_of (reading ("seven_day_sonnet", "*sonnet*", 1.0, week + 7 * DAY, week + MINUTE),
                             NULL), week + MINUTE);
  sy_account_state_get_model (state, "claude-sonnet-4-5", week + MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);

  /* The 5 hours come back: Sonnet is free, Opus waits for its own week. */
  update (state, windows_of (reading ("five_hour", NULL, 0.9, week + 6 * HOUR, week + 2 * HOUR), NULL),
          week + 2 * HOUR);
  sy_account_state_get_model (state, "claude-sonnet-4-5", week + 2 * HOUR, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  assert_fraction (ms.quota, 0.9);
  sy_account_state_get_model (state, "claude-opus-4-1", week + 2 * HOUR, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  assert_fraction (ms.quota, 0.0);
}

static void
test_state_save (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("codex:1", "codex");
  g_autoptr(SyAccountState) restored = sy_account_state_new ("codex:1", "codex");
  g_autoptr(JsonNode) saved = NULL;
  g_autoptr(GPtrArray) dup = NULL;
  JsonObject *object;
  JsonArray *array;
  Changes changes = { 0 };

  update (state, windows_of (reading ("primary", NULL, 0.25, NOW + HOUR, NOW),
                             reading ("secondary", NULL, 0.75, NOW + 3 * DAY, NOW),
                             reading ("model:x", "x", 0.5, 0, NOW - 8 * DAY), NULL), NOW);
  saved = sy_account_state_save (state, NOW + MINUTE);
  object = json_node_get_object (saved);
  g_assert_true (json_object_has_member (object, "quota_windows"));
  array = json_object_get_array_member (object, "quota_windows");
  /* A window with no reset time seen over a week ago is not kept. */
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_true (sy_account_state_saved_is_live (object, NOW + MINUTE));
  g_assert_true (sy_account_state_saved_is_live (object, NOW + 2 * HOUR));
  g_assert_false (sy_account_state_saved_is_live (object, NOW + 4 * DAY));

  g_signal_connect (restored, "changed", G_CALLBACK (on_changed), &changes);
  sy_account_state_restore (restored, object, NOW + 2 * HOUR);
  g_assert_cmpuint (changes.last, ==, SY_ACCOUNT_CHANGED_STATE | SY_ACCOUNT_CHANGED_QUOTA);
  dup = sy_account_state_dup_quota_windows (restored);
  /* The primary window reset meanwhile. */
  g_assert_cmpuint (dup->len, ==, 1);
  g_assert_cmpstr (((SyQuotaWindow *) dup->pdata[0])->id, ==, "secondary");
  g_assert_cmpint (((SyQuotaWindow *) dup->pdata[0])->reset_us, ==, NOW + 3 * DAY);
  assert_fraction (sy_account_state_get_quota (restored, "gpt-5"), 0.75);
}

/* A saved state edited by hand or damaged: cooldown ends that no gint64
 * holds, or whose microseconds would not fit, are dropped rather than
 * converted or multiplied past the range (undefined behaviour; the
 * sanitizer build stops on it); the rest of the state still loads. */
static void
test_state_restore_huge (void)
{
  static const char *const untils[] = {
    "\"until\": 1e300", "\"until\": -1e300", "\"until\": 9223372036854775807",
    "\"until\": -9223372036854775807", "\"until\": 9.3e18", "\"until_us\": 1e300",
  };

  for (guint i = 0; i < G_N_ELEMENTS (untils); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"enabled\": true, \"models\": {"
                                               "\"x\": {%s, \"backoff_level\": 1e300},"
                                               "\"y\": {\"until\": %" G_GINT64_FORMAT "}}}",
                                               untils[i], (NOW + HOUR) / G_USEC_PER_SEC);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(SyAccountState) state = sy_account_state_new ("codex:1", "codex");
      JsonObject *object;
      SyModelState ms;

      g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (sy_account_state_saved_is_live (object, NOW));
      sy_account_state_restore (state, object, NOW);
      sy_account_state_get_model (state, "x", NOW, &ms);
      g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
      sy_account_state_get_model (state, "y", NOW, &ms);
      g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
      g_assert_cmpint (ms.until_us, ==, NOW + HOUR);
    }
}

static gboolean
file_contains (const char *path,
               const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms milliseconds. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The pool saves the windows with the account's state: not at once for a
 * quota change alone, but when the pool goes; a restart brings them back. */
static void
test_pool_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sy-quota-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr(SyClock) clock = sy_clock_new_manual (NOW);

  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_object_unref);

    g_ptr_array_add (states, sy_account_state_new ("codex:1", "codex"));
    g_assert_true (sy_account_pool_set_state_file (pool, path, NULL));
    sy_account_pool_sync (pool, states);
    while (!file_contains (path, "codex:1"))
      g_main_context_iteration (NULL, TRUE);

    update (g_ptr_array_index (states, 0),
            windows_of (reading ("primary", NULL, 0.25, NOW + HOUR, NOW), NULL), NOW);
    run_for (1200);
    g_assert_false (file_contains (path, "quota_windows"));
  }
  g_assert_true (file_contains (path, "quota_windows"));

  sy_clock_advance (clock, 10 * MINUTE);
  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_object_unref);
    g_autoptr(GPtrArray) dup = NULL;
    SyAccountState *state;

    g_assert_true (sy_account_pool_set_state_file (pool, path, NULL));
    g_ptr_array_add (states, sy_account_state_new ("codex:1", "codex"));
    sy_account_pool_sync (pool, states);
    state = sy_account_pool_lookup (pool, "codex:1");
    dup = sy_account_state_dup_quota_windows (state);
    g_assert_cmpuint (dup->len, ==, 1);
    g_assert_cmpstr (((SyQuotaWindow *) dup->pdata[0])->id, ==, "primary");
    assert_fraction (sy_account_state_get_quota (state, "gpt-5"), 0.25);
    g_assert_true (sy_account_pool_flush (pool, NULL));
  }

  g_remove (path);
  g_rmdir (dir);
}

/* Every name the header reader asks for: each answers "rejected"-ish
 * text so that every branch (the refusal's claim too) is taken. */
static const char *
lookup_record (gpointer    data,
               const char *name)
{
  GPtrArray *asked = data;

  g_ptr_array_add (asked, g_strdup (name));
  if (g_str_has_suffix (name, "-status"))
    return "rejected";
  if (g_str_has_suffix (name, "-claim"))
    return "five_hour";
  return "0.5";
}

/* The pipeline skips the reader for answers with no header starting with
 * one of sy_quota_header_prefixes(): a family read without its prefix
 * listed would silently never be read. */
static void
test_header_prefixes (void)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) windows = sy_quota_from_headers ("claude", lookup_record, asked, NOW);
  const char * const *prefixes = sy_quota_header_prefixes ();

  g_assert_cmpuint (asked->len, >, 10);
  g_assert_cmpuint (windows->len, >, 0);
  for (guint i = 0; i < asked->len; i++)
    {
      const char *name = g_ptr_array_index (asked, i);
      gboolean covered = FALSE;

      for (guint j = 0; prefixes[j] != NULL; j++)
        covered = covered || g_str_has_prefix (name, prefixes[j]);
      g_test_message ("asked for %s", name);
      g_assert_true (covered);
      for (const char *c = name; *c != '\0'; c++)
        g_assert_false (g_ascii_isupper (*c));   /* the transfer keeps names lower-case */
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quota/claude/headers", test_claude_headers);
  g_test_add_func ("/quota/header-prefixes", test_header_prefixes);
  g_test_add_func ("/quota/claude/rejected", test_claude_rejected);
  g_test_add_func ("/quota/codex/headers", test_codex_headers);
  g_test_add_func ("/quota/codex/event", test_codex_event);
  g_test_add_func ("/quota/error/google", test_error_google);
  g_test_add_func ("/quota/error/codex", test_error_codex);
  g_test_add_func ("/quota/window/json", test_window_json);
  g_test_add_func ("/quota/window/meters", test_window_meters);
  g_test_add_func ("/quota/forecast/steady", test_forecast_steady);
  g_test_add_func ("/quota/forecast/idle", test_forecast_idle);
  g_test_add_func ("/quota/forecast/reset-between", test_forecast_reset_between);
  g_test_add_func ("/quota/forecast/reset-between-burning", test_forecast_reset_between_burning);
  g_test_add_func ("/quota/forecast/too-few", test_forecast_too_few);
  g_test_add_func ("/quota/state/windows", test_state_windows);
  g_test_add_func ("/quota/state/recovery", test_state_recovery);
  g_test_add_func ("/quota/state/keeps-fresh-cooldown", test_state_keeps_fresh_cooldown);
  g_test_add_func ("/quota/state/expired-window", test_state_expired_window);
  g_test_add_func ("/quota/state/model-recovery", test_state_model_recovery);
  g_test_add_func ("/quota/state/save", test_state_save);
  g_test_add_func ("/quota/state/restore-huge", test_state_restore_huge);
  g_test_add_func ("/quota/claude-absurd-reset", test_claude_absurd_reset);
  g_test_add_func ("/quota/state/pool-file", test_pool_file);

  return g_test_run ();
}
