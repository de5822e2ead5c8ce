/* sy-quota.h: quota windows of an account, read from traffic or asked for
 *
 * A provider meters a subscription in windows: Claude's 5-hour and 7-day
 * windows, Codex's primary and secondary windows, Google's per-model daily
 * quota. A SyQuotaWindow is one reading of one window. Readings come from
 * three places: the headers and stream events of proxied answers (passive,
 * no extra call), 429 bodies with reset times, and the providers' usage
 * endpoints (active reads, src/providers/sy-quota-reader.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-account-state.h"

G_BEGIN_DECLS

/* Two reset times closer than this name the same window run: a reset given
 * as "seconds from now" moves by a second or two between readings. */
#define SY_QUOTA_RESET_SLACK_US        (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
/* A forecast needs readings spread over at least this long. */
#define SY_QUOTA_FORECAST_MIN_SPAN_US  (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

typedef enum
{
  SY_QUOTA_SOURCE_HEADERS,     /* response headers of a proxied request */
  SY_QUOTA_SOURCE_EVENT,       /* an event in a proxied stream (codex.rate_limits) */
  SY_QUOTA_SOURCE_ERROR,       /* a 429 body with a reset time */
  SY_QUOTA_SOURCE_ACTIVE,      /* the provider's usage endpoint */
} SyQuotaSource;

typedef struct
{
  char          *id;           /* stable per account: "five_hour", "seven_day",
                                  "seven_day_opus", "primary", "secondary",
                                  "model:<name>", "credits"... */
  char          *label;        /* for people: "5-hour", "Weekly", "gemini-2.5-pro" */
  char          *model;        /* the window meters this model only; NULL: the account.
                                  May be a pattern with '*' ("*sonnet*"): the
                                  window meters every model it matches */
  double         remaining;    /* fraction left, 0..1; -1 when unknown */
  gint64         reset_us;     /* wall clock when it resets; 0 when unknown */
  gint64         window_us;    /* its length; 0 when unknown */
  gint64         observed_us;  /* wall clock of the reading */
  SyQuotaSource  source;
} SyQuotaWindow;

/* Header lookup on an upstream answer (case-insensitive); may return NULL. */
typedef const char *(*SyQuotaHeaderLookup) (gpointer    data,
                                            const char *name);

SyQuotaWindow *sy_quota_window_new   (const char          *id,
                                      const char          *label,
                                      const char          *model,
                                      double               remaining,
                                      gint64               reset_us,
                                      gint64               window_us,
                                      gint64               observed_us,
                                      SyQuotaSource        source);
SyQuotaWindow *sy_quota_window_copy  (const SyQuotaWindow *window);
void           sy_quota_window_free  (SyQuotaWindow       *window);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyQuotaWindow, sy_quota_window_free)

/* Whether @window meters @model: an account window meters every model, a
 * model window the model it names (case-insensitively) or matches. */
gboolean       sy_quota_window_meters (const SyQuotaWindow *window,
                                       const char          *model);

const char    *sy_quota_source_to_string (SyQuotaSource    source);
/* The inverse; unknown text reads as SY_QUOTA_SOURCE_HEADERS. */
SyQuotaSource  sy_quota_source_from_string (const char    *text);
/* {"id","label","model"?,"remaining","used_percent","reset_at"?(RFC 3339),
 *  "window_seconds"?,"observed_at","source"}; "remaining" and
 * "used_percent" are null when unknown. */
JsonNode      *sy_quota_window_to_json (const SyQuotaWindow *window);
/* The inverse (times to the second); NULL when @node is not such an object. */
SyQuotaWindow *sy_quota_window_from_json (JsonNode          *node);

/* Passive readers. Each returns the windows found (SyQuotaWindow*, free
 * func set; empty when none), never NULL. @provider is the provider name
 * ("claude", "codex", "gemini-cli", "antigravity", ...). */
/* Every header sy_quota_from_headers() reads starts with one of these
 * (lower-case; NULL-terminated): an answer without any has nothing for it
 * to read, which a caller can tell with one pass over the headers instead
 * of the reader's eighteen lookups. */
const char * const *sy_quota_header_prefixes (void);
GPtrArray     *sy_quota_from_headers    (const char          *provider,
                                         SyQuotaHeaderLookup  lookup,
                                         gpointer             data,
                                         gint64               now_us);
/* One event of a proxied stream: its SSE event name (may be NULL) and its
 * parsed data. Codex sends "codex.rate_limits". */
GPtrArray     *sy_quota_from_event      (const char          *provider,
                                         const char          *event,
                                         JsonNode            *data,
                                         gint64               now_us);
/* A 429 (or 403 quota) answer's body: reset times it names. */
GPtrArray     *sy_quota_from_error_body (const char          *provider,
                                         const char          *model,
                                         guint                status,
                                         const char          *body,
                                         gsize                len,
                                         gint64               now_us);

/* Burn-rate forecast for one window from its readings (oldest first, all of
 * the same window id): only readings since the window last reset count.
 * TRUE with *exhausted_us set when, at the pace of those readings, the
 * window runs out before it resets; FALSE when it will not, or when there
 * is too little to tell (*exhausted_us = 0).
 *
 * The run since the last reset: going back from the latest reading, a
 * reading whose reset time differs from the latest one's by more than
 * SY_QUOTA_RESET_SLACK_US, or one after which the remaining fraction went
 * up, belongs to an earlier run. Readings of unknown remaining, or taken
 * after @now_us, are left out. The run needs two readings at least
 * SY_QUOTA_FORECAST_MIN_SPAN_US apart; the pace is the least-squares slope
 * of the used fraction over time, and *exhausted_us = now + remaining /
 * pace (remaining of the latest reading), reported only when the pace is
 * positive and that time comes before the reset time (when known). */
gboolean       sy_quota_forecast        (const SyQuotaWindow * const *readings,
                                         guint                n_readings,
                                         gint64               now_us,
                                         gint64              *exhausted_us);

G_END_DECLS
