/* sy-notifier.h: desktop notifications about the accounts and the proxy
 *
 * Says once per event what needs the user: a login to renew, a quota
 * window running low, every account cooling down, a proxy that did not
 * start. Each has a stable id, so a recovered state withdraws its
 * notification. The config key `desktop-notifications: false` turns them
 * all off.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "switchyard.h"
#include "sy-config.h"

G_BEGIN_DECLS

/* Shows @notification under @id, or withdraws @id when @notification is
 * NULL (@title and @body are then NULL too). @title and @body are the
 * notification's, for whoever cannot read them back from it. The default
 * sends through the GApplication. */
typedef void (*SyNotifierSendFunc) (const char    *id,
                                    GNotification *notification,
                                    const char    *title,
                                    const char    *body,
                                    gpointer       user_data);

#define SY_NOTIFIER_DEFAULT_THRESHOLD 0.10

#define SY_TYPE_NOTIFIER (sy_notifier_get_type ())
G_DECLARE_FINAL_TYPE (SyNotifier, sy_notifier, SY, NOTIFIER, GObject)

/* @app may be NULL when a send function is set (tests). */
SyNotifier *sy_notifier_new             (GApplication       *app,
                                         SyService          *service);
void        sy_notifier_set_send_func   (SyNotifier         *self,
                                         SyNotifierSendFunc  func,
                                         gpointer            user_data,
                                         GDestroyNotify      destroy);
gboolean    sy_notifier_get_enabled     (SyNotifier         *self);
void        sy_notifier_set_enabled     (SyNotifier         *self,
                                         gboolean            enabled);
/* Reads `desktop-notifications` (default true) from @config. */
void        sy_notifier_apply_config    (SyNotifier         *self,
                                         SyConfig           *config);
/* The remaining fraction under which a quota window is reported. */
void        sy_notifier_set_threshold   (SyNotifier         *self,
                                         double              fraction);
/* Looks at every account now (it also runs on each account change). */
void        sy_notifier_check           (SyNotifier         *self);
/* The proxy did not start: @error says why ("Switchyard could not start
 * the proxy: <reason>"). Withdrawn when the proxy listens. */
void        sy_notifier_proxy_failed    (SyNotifier         *self,
                                         const GError       *error);

/* How far past a taken port the next free one is looked for. */
#define SY_NOTIFIER_PORT_TRIES 20

/* Listening on @host:@port failed with @error. When the port is taken
 * (SY_SERVICE_ERROR_LISTEN, and a bind there fails "address in use") and
 * one of the next SY_NOTIFIER_PORT_TRIES ports is free, offers it: "Port
 * 8317 is in use" with a button "Use 8318" that activates
 * app.use-port(q 8318). Otherwise says the proxy could not start. Returns
 * the port offered, 0 when none. */
guint       sy_notifier_listen_failed   (SyNotifier         *self,
                                         const char         *host,
                                         guint               port,
                                         const GError       *error);
/* Whether another socket listens on @host:@port ("" = every interface;
 * a host name is tried on loopback). */
gboolean    sy_notifier_port_in_use     (const char         *host,
                                         guint               port);
/* The first of @port + 1 … @port + @n_tries that is not in use, 0 when
 * none is. */
guint       sy_notifier_find_free_port  (const char         *host,
                                         guint               port,
                                         guint               n_tries);

G_END_DECLS
