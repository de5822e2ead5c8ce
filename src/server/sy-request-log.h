/* sy-request-log.h: one request's record, written to the log dir
 *
 * A SyRequestLog collects what a client request did: the client's request
 * (method, path, headers, body), each upstream attempt (URL, headers,
 * body, status, answer or transport error) and the answer the client got.
 * sy_request_log_finish() hands it to a writer thread, which writes
 *
 *   request-<UTC stamp>-<id>.log   for every request with request-log: true,
 *   error-<UTC stamp>-<id>.log     else for failed requests only (status
 *                                  >= 400, or an upstream failure after the
 *                                  answer began), the newest
 *                                  error-logs-max-files of them kept.
 *
 * Secrets: the values of auth headers (Authorization, x-api-key,
 * x-goog-api-key, cookies, any *key*, *token*, *secret* header) are
 * masked as they are recorded, and so are secret query parameters; at
 * writing every line and body also goes through sy_log_mask_secrets().
 * Bodies are kept up to SY_REQUEST_LOG_BODY_LIMIT bytes per request (all
 * bodies together), the rest marked as truncated. A body passed as GBytes
 * is kept by reference, not copied; pieces (the _append calls) are copied.
 *
 * Headers are NULL-terminated vectors of "Name: value" strings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-config.h"

G_BEGIN_DECLS

#define SY_REQUEST_LOG_BODY_LIMIT (10 * 1024 * 1024)
/* Without request-log only a failed request's record is written, and
 * every request keeps its record until it ends: what a long stream copies
 * into it stays small (an error log needs the start and the error). */
#define SY_REQUEST_LOG_FAILURE_BODY_LIMIT (1024 * 1024)
/* Body bytes of finished records waiting for the writer thread: a record
 * that would go past it is dropped (and counted) rather than kept in
 * memory until a slow disk takes it. One record always fits. */
#define SY_REQUEST_LOG_PENDING_LIMIT (64 * 1024 * 1024)

typedef struct _SyRequestLog SyRequestLog;

typedef struct
{
  char     *dir;              /* the log dir; NULL: nothing is written */
  gboolean  full;             /* request-log: every request, not only failures */
  guint     error_max_files;  /* error-logs-max-files; 0: no cleanup */
  guint64   max_total_bytes;  /* logs-max-total-size-mb: caps the request-*.log files; 0: none */
} SyRequestLogConfig;

/* From the config (request-log, error-logs-max-files, logs-max-total-size-mb,
 * the log dir); commercial-mode turns request logging off (dir NULL). */
void          sy_request_log_config_init      (SyRequestLogConfig *self,
                                               SyConfig           *config);
void          sy_request_log_config_clear     (SyRequestLogConfig *self);

/* @path may carry a query: secret parameters (key, *token*, *secret*,
 * *api-key*) are masked. */
SyRequestLog *sy_request_log_begin            (const char         *id,
                                               const char         *method,
                                               const char         *path);
/* The byte budget of this record's bodies (tests; default SY_REQUEST_LOG_BODY_LIMIT). */
void          sy_request_log_set_body_limit   (SyRequestLog       *self,
                                               gsize               limit);
const char   *sy_request_log_get_id           (SyRequestLog       *self);

void          sy_request_log_client_request   (SyRequestLog       *self,
                                               const char * const *headers,
                                               GBytes             *body);
/* A new upstream attempt. */
void          sy_request_log_upstream_request (SyRequestLog       *self,
                                               const char         *url,
                                               const char * const *headers,
                                               GBytes             *body);
/* The current attempt's answer: status and headers (may be NULL), then
 * its body in pieces. */
void          sy_request_log_upstream_response (SyRequestLog      *self,
                                               guint               status,
                                               const char * const *headers);
void          sy_request_log_upstream_append  (SyRequestLog       *self,
                                               const char         *data,
                                               gsize               len);
/* The current attempt failed without an answer, or its answer broke off. */
void          sy_request_log_upstream_error   (SyRequestLog       *self,
                                               const char         *message);
/* The client's answer: status and headers (may be NULL), then its body in
 * pieces (a stream's chunks as written). */
void          sy_request_log_client_response  (SyRequestLog       *self,
                                               guint               status,
                                               const char * const *headers);
void          sy_request_log_client_append    (SyRequestLog       *self,
                                               const char         *data,
                                               gsize               len);

/* Whether the record counts as failed (and so is kept without request-log). */
gboolean      sy_request_log_is_failure       (SyRequestLog       *self);
/* Takes @self: written (or dropped) by the writer thread as @config says. */
void          sy_request_log_finish           (SyRequestLog       *self,
                                               const SyRequestLogConfig *config);
void          sy_request_log_free             (SyRequestLog       *self);
/* Blocks until every finished record is on disk (tests, shutdown). */
void          sy_request_log_wait             (void);
/* Records dropped since start because the writer was SY_REQUEST_LOG_PENDING_LIMIT behind. */
guint         sy_request_log_dropped          (void);
/* Tests: while held, the writer thread starts no file (a disk that stalls). */
void          sy_request_log_hold_writer      (gboolean            hold);

/* One header line with its value masked when the header carries a secret. */
char         *sy_request_log_redact_header    (const char         *line);
/* @url with the values of secret query parameters masked. */
char         *sy_request_log_redact_url       (const char         *url);

/* For the management routes. {"files":[{"name","size","modified"}…]}, the
 * error-*.log files, newest first (an empty list when @dir is missing). */
JsonNode     *sy_request_log_list_error_files (const char         *dir);
/* The path of a request log in @dir: by file name (error-….log, a plain
 * name, a regular file) or by request id (the newest file ending in
 * -<id>.log; an id holds no '/' or '\'). G_IO_ERROR_INVALID_ARGUMENT for a
 * name or id that could point elsewhere, G_IO_ERROR_NOT_FOUND else. */
char         *sy_request_log_find             (const char         *dir,
                                               const char         *name_or_id,
                                               gboolean            is_id,
                                               GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyRequestLog, sy_request_log_free)

G_END_DECLS
