/* sy-http-fetch.h: one request whose whole answer is wanted
 *
 * For the small calls beside the proxying (sign-in steps, quota reads): the
 * answer is kept up to a limit and, when it is one, read as a JSON object.
 * The request's headers and body are copied when the call starts, so a
 * caller may wipe a header holding a token right after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-http-client.h"

G_BEGIN_DECLS

typedef struct
{
  guint           status;
  GByteArray     *body;        /* what came, up to the limit */
  gboolean        too_large;   /* more came than the limit: @body is cut short */
  JsonObject     *object;      /* @body as a JSON object (never when cut short), or NULL */
  SyHttpTransfer *transfer;    /* the finished transfer, for the answer's headers */
} SyHttpAnswer;

void          sy_http_answer_free        (SyHttpAnswer            *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyHttpAnswer, sy_http_answer_free)

/* A header of the answer (any case), or NULL. */
const char   *sy_http_answer_get_header  (const SyHttpAnswer      *answer,
                                          const char              *name);

/* Sends @info on @client and keeps at most @max_size bytes of the answer.
 * Cancelling @cancellable ends the transfer at once. */
void          sy_http_fetch_async        (SyHttpClient            *client,
                                          const SyHttpRequestInfo *info,
                                          gsize                    max_size,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data);
/* The answer, whatever its status; NULL when none came: the client's error
 * (SY_CORE_ERROR), or G_IO_ERROR_CANCELLED. */
SyHttpAnswer *sy_http_fetch_finish       (GAsyncResult            *result,
                                          GError                 **error);

G_END_DECLS
