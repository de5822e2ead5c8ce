/* login-test-util.h: pieces every sign-in test shares
 *
 * Log capture (every line of the test, for "no token in any log"), files,
 * the answer of a request, what the fake services read and answer, and
 * the tokens they hand out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "switchyard.h"

G_BEGIN_DECLS

/* Every log message of the test, one per line; install record_log with
 * g_log_set_writer_func() before g_test_init(). */
extern GString *all_logs;

GLogWriterOutput record_log      (GLogLevelFlags     level,
                                  const GLogField   *fields,
                                  gsize              n_fields,
                                  gpointer           user_data);
/* Occurrences of @needle in all_logs (overlapping ones too). */
guint            count_in_logs   (const char        *needle);
void             answer_json     (SoupServerMessage *msg,
                                  guint              status,
                                  const char        *body);
/* What a fake service was sent: the body as a JSON object (asserted), or
 * as a form. */
JsonObject      *request_json    (SoupServerMessage *msg);
GHashTable      *request_form    (SoupServerMessage *msg);
/* A JWT with the header {"alg":"RS256","typ":"JWT"}, @claims (JSON) and
 * @signature (base64url), which the clients read but never verify. */
char            *unsigned_jwt    (const char        *claims,
                                  const char        *signature);
void             remove_tree     (const char        *path);
/* @dir/@name's contents, or NULL. */
char            *read_file       (const char        *dir,
                                  const char        *name);
/* sy_service_load_logins_async() callback: asserts success, sets *(gboolean *) user_data. */
void             on_loaded       (GObject           *source,
                                  GAsyncResult      *result,
                                  gpointer           user_data);

typedef struct
{
  guint    status;
  char    *text;
  gboolean done;
} Reply;

/* soup_session_send_and_read_async() callback filling a Reply. */
void             on_reply        (GObject           *source,
                                  GAsyncResult      *result,
                                  gpointer           user_data);

G_END_DECLS
