/* sy-server.h: the client-facing HTTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-http-client.h"
#include "sy-management.h"
#include "sy-registry.h"
#include "sy-usage.h"

G_BEGIN_DECLS

#define SY_TYPE_SERVER (sy_server_get_type ())

/* A client on another machine that sends this many invalid API keys in a
 * row (each within the ban's length of the one before) is refused for
 * that long. Loopback clients are never locked out. */
#define SY_SERVER_KEY_FAILURES 10
#define SY_SERVER_KEY_BAN_US   (G_GINT64_CONSTANT (15) * 60 * G_USEC_PER_SEC)

G_DECLARE_FINAL_TYPE (SyServer, sy_server, SY, SERVER, GObject)

SyServer   *sy_server_new              (SyHttpClient  *http,
                                        SyRegistry    *registry);
void        sy_server_set_registry     (SyServer      *self,
                                        SyRegistry    *registry);
SyRegistry *sy_server_get_registry     (SyServer      *self);
/* Answers /v0/management; without one those routes answer 404. */
void        sy_server_set_management   (SyServer      *self,
                                        SyManagement  *management);
SyManagement *sy_server_get_management (SyServer      *self);
/* Where each request's usage record goes; NULL: nowhere. */
void        sy_server_set_usage        (SyServer      *self,
                                        SyUsageStore  *usage);
gboolean    sy_server_listen           (SyServer      *self,
                                        const char    *host,
                                        guint          port,
                                        GError       **error);
void        sy_server_disconnect       (SyServer      *self);
gboolean    sy_server_is_listening     (SyServer      *self);
guint       sy_server_get_port         (SyServer      *self);
const char *sy_server_get_host         (SyServer      *self);
guint       sy_server_get_n_active     (SyServer      *self);

G_END_DECLS
