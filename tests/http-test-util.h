/* http-test-util.h: HTTP requests to a server on this thread's main loop
 *
 * The server under test runs on the same main context as the test, so
 * requests go out asynchronously and the loop is spun until they finish.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  char               *text;
} HttpResponse;

void      http_response_clear (HttpResponse *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HttpResponse, http_response_clear)

/* Spins the default main context until @cond is TRUE or @timeout_ms pass. */
gboolean  http_spin_until     (gboolean   (*cond) (gpointer),
                               gpointer     data,
                               guint        timeout_ms);
/* Spins for @ms milliseconds. */
void      http_spin_for       (guint        ms);

/* Sends @msg and spins until its answer is in (asserts that it comes within
 * @timeout_ms): the body, or NULL and @error. */
GBytes   *http_send           (SoupSession        *session,
                               SoupMessage        *msg,
                               guint               timeout_ms,
                               GError            **error);

/* @headers: "Name: value" strings, NULL-terminated (may be NULL). */
void      http_request        (SoupSession        *session,
                               const char         *method,
                               const char         *url,
                               const char         *content_type,
                               const char         *body,
                               gsize               body_len,
                               const char * const *headers,
                               HttpResponse       *out);

/* The body as JSON (asserts it parses). */
JsonNode *http_response_json  (HttpResponse       *r);
/* A member by dotted path ("usage.total_requests") of an object tree. */
JsonNode *http_json_at        (JsonNode           *root,
                               const char         *dotted);
gint64    http_json_int       (JsonNode           *root,
                               const char         *dotted);
const char *http_json_string  (JsonNode           *root,
                               const char         *dotted);

G_END_DECLS
