/* mgmt-test-util.h: what the management API's tests share
 *
 * A service from a config file, on this thread's main loop with a fake
 * upstream; requests to its /v0/management, its error answers, and an
 * address to come from as a remote client.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "fake-upstream.h"
#include "http-test-util.h"
#include "switchyard.h"

G_BEGIN_DECLS

/* @text written to the config file @path (asserted). */
void   mgmt_write_config    (const char    *path,
                             const char    *text);
/* Starts @service (asserting it does): its base URL on 127.0.0.1. */
char  *mgmt_start_service   (SyService     *service);
/* A test's end: the client session, the service and the fake upstream
 * go, then what they left on the main loop runs. */
void   mgmt_stop_all        (SoupSession  **session,
                             SyService    **service,
                             FakeUpstream **upstream);

/* @method on @base/v0/management@path, with @key (NULL: none) as a Bearer
 * token; @content_type, @body and @body_len as for http_request(). */
void   mgmt_request         (SoupSession  *session,
                             const char   *base,
                             const char   *method,
                             const char   *path,
                             const char   *key,
                             const char   *content_type,
                             const char   *body,
                             gsize         body_len,
                             HttpResponse *out);

/* Asserts @status and {"error": @error}; an answer with another status is
 * printed first. */
void   mgmt_assert_error    (HttpResponse *r,
                             guint         status,
                             const char   *error);

/* A non-loopback IPv4 address of this machine, or NULL. */
char  *mgmt_outside_address (void);

G_END_DECLS
