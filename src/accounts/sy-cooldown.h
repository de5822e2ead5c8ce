/* sy-cooldown.h: what a failed upstream answer means for its account
 *
 * Classifies an upstream error (status, body, Retry-After header) into a
 * cooldown reason and computes how long the account stays out of rotation
 * for that model (the CLIProxyAPI table):
 *
 *   400/422 + "model not supported" phrase   12 h     model_not_supported
 *   401                                       30 min   unauthorized
 *   402, 403                                  30 min   payment_required
 *   404                                       12 h     not_found
 *   429                                       retry info, else 1 s << level
 *                                             (capped at 30 min)   quota
 *   408, 500, 502, 503, 504                   1 min    transient
 *   anything else                             none
 *
 * Pure: no I/O, no globals, the wall clock comes in as a parameter.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SY_COOLDOWN_SECOND_US          (G_GINT64_CONSTANT (1000000))
#define SY_COOLDOWN_TRANSIENT_US       (60 * SY_COOLDOWN_SECOND_US)
#define SY_COOLDOWN_AUTH_US            (30 * 60 * SY_COOLDOWN_SECOND_US)
#define SY_COOLDOWN_NOT_FOUND_US       (12 * 3600 * SY_COOLDOWN_SECOND_US)
#define SY_COOLDOWN_BACKOFF_MAX_US     (30 * 60 * SY_COOLDOWN_SECOND_US)
/* Upper bound of any retry delay read from an answer. */
#define SY_COOLDOWN_RETRY_MAX_US       (30 * 24 * 3600 * SY_COOLDOWN_SECOND_US)
/* Bodies are looked at up to this many bytes. */
#define SY_COOLDOWN_BODY_MAX           (64 * 1024)

typedef enum
{
  SY_FAILURE_NONE,                /* not a cooling failure: account stays selectable */
  SY_FAILURE_MODEL_NOT_SUPPORTED, /* 400/422 with a "model not supported" phrase: 12 h */
  SY_FAILURE_UNAUTHORIZED,        /* 401: 30 min */
  SY_FAILURE_PAYMENT_REQUIRED,    /* 402, 403: 30 min */
  SY_FAILURE_NOT_FOUND,           /* 404: 12 h */
  SY_FAILURE_QUOTA,               /* 429: retry info, else 1 s * 2^level capped at 30 min */
  SY_FAILURE_TRANSIENT,           /* 408, 500, 502, 503, 504 (and transport errors
                                     mapped to 502/504): 1 min */
} SyFailureReason;

typedef struct
{
  guint           status;          /* effective status: Codex "selected model is at
                                      capacity" and quota-worded 403s become 429 */
  SyFailureReason reason;
  gint64          retry_after_us;  /* quota failures only: the upstream's retry
                                      information (body, else Retry-After header),
                                      relative to now, clamped to
                                      [0, SY_COOLDOWN_RETRY_MAX_US]; -1 when none */
  gboolean        request_invalid; /* 400 whose text contains invalid_request_error
                                      (but not a model-not-supported phrase), any 422
                                      that is not model-not-supported, the store=false
                                      404: stop, no other account will do better */
  gboolean        marks_nothing;   /* the request-scoped store=false 404: no cooldown */
} SyFailure;

/* @body may be NULL and need not be NUL-terminated; only its first
 * SY_COOLDOWN_BODY_MAX bytes are looked at. @now_us: wall clock in µs
 * since the epoch (for Codex resets_at and HTTP dates). */
void         sy_failure_classify         (guint            status,
                                          const char      *body,
                                          gsize            body_len,
                                          const char      *retry_after,
                                          gint64           now_us,
                                          SyFailure       *out);

/* The object that describes the error in an upstream's error body @text
 * (NUL-terminated): `error` of the (first) object, else that object itself;
 * NULL when @text is not JSON, or nests too deep for json-glib to recurse.
 * It belongs to @parser. *@message (@message may be NULL): error.message, a
 * string `error`, or a top-level message or detail; NULL when none. */
JsonObject  *sy_failure_parse_error      (JsonParser      *parser,
                                          const char      *text,
                                          const char     **message);

/* The cooldown to apply, in µs (0 = none). A quota failure with retry
 * information uses it as is (level unchanged); without, 1 s << @level capped
 * at 30 min, and *@next_level (may be NULL) becomes @level + 1 until the cap
 * is reached, where it stays. Every other reason leaves the level unchanged;
 * resetting it to 0 on success is the caller's job. */
gint64       sy_failure_cooldown_us      (const SyFailure *failure,
                                          guint            level,
                                          guint           *next_level);

/* "quota", "unauthorized", "payment_required", "not_found",
 * "model_not_supported", "transient", "none". */
const char  *sy_failure_reason_to_string (SyFailureReason  reason);

/* Go-style durations as Google sends them: "0.847655010s", "373.8ms",
 * "1h2m3.5s", "17s", "250us"/"250µs", "3ns", "0". Units ns, us/µs/μs, ms, s,
 * m, h; every number needs one (except a lone "0"); no sign, no spaces.
 * Sub-µs parts are dropped; values beyond SY_COOLDOWN_RETRY_MAX_US are
 * clamped to it. */
gboolean     sy_parse_duration           (const char      *text,
                                          gint64          *out_us);

/* A Retry-After header value: delta-seconds, or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime form) taken relative to @now_us; a date in the past
 * gives 0. Clamped like sy_parse_duration(). */
gboolean     sy_parse_retry_after        (const char      *value,
                                          gint64           now_us,
                                          gint64          *out_us);

G_END_DECLS
