/* sy-quota-reader.h: ask a provider's usage endpoint for an account's quota
 *
 * One active read: the provider's own usage call for a signed-in account
 * (docs/quota-reads.md names each endpoint and the fields read), answered
 * as quota windows (SyQuotaWindow*, source SY_QUOTA_SOURCE_ACTIVE). Every
 * base URL comes from endpoints.<provider>.usage, else .api, else the real
 * service. Nothing is kept between reads: how often to read is
 * SyQuotaPoller's business (sy-quota-poller.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-clock.h"
#include "sy-http-client.h"
#include "sy-quota.h"
#include "sy-registry.h"

G_BEGIN_DECLS

/* Whether @account has a usage endpoint to ask: a login of Claude, Codex,
 * Gemini Code Assist, Antigravity, Kimi or xAI. API-key accounts,
 * openai-compatibility upstreams and Vertex service accounts have none. */
gboolean   sy_quota_reader_supports     (const SyAccount     *account);

/* Reads @account's quota windows. Everything the read needs is copied from
 * @account before this returns, so the account may go with its registry
 * while the read runs. Times (reset, observed) are those of the default
 * SyClock. Errors (G_IO_ERROR; messages never hold the token):
 * NOT_SUPPORTED  the account has no usage endpoint
 * PERMISSION_DENIED  401 or 403, or the login needs a new sign-in
 * NOT_INITIALIZED  Gemini Code Assist login without a project
 * BUSY  429 (the usage endpoint's own rate limit)
 * FAILED  other HTTP statuses (5xx...)
 * INVALID_DATA  an answer that is not the usage JSON expected
 * and SY_CORE_ERROR_HTTP_* when the endpoint cannot be reached. */
void       sy_quota_reader_read_async   (SyHttpClient        *http,
                                         SyConfig            *config,
                                         SyAccount           *account,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* The same with the clock that dates the windows (NULL: the default). */
void       sy_quota_reader_read_full_async (SyHttpClient     *http,
                                         SyConfig            *config,
                                         SyAccount           *account,
                                         SyClock             *clock,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* The windows read (SyQuotaWindow*, free func set; may be empty), or NULL
 * with @error set. */
GPtrArray *sy_quota_reader_read_finish  (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
