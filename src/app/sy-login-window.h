/* sy-login-window.h: signing in to a subscription from the desktop
 *
 * Choose a provider, read the one-time terms notice, open the browser (or
 * copy the link, or paste the address the browser ended on), type a device
 * code, and see the result: the account, or what went wrong in plain
 * words. The sign-in runs in the service (sy_service_login()), so the new
 * account serves requests as soon as the window says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_LOGIN_WINDOW (sy_login_window_get_type ())

G_DECLARE_FINAL_TYPE (SyLoginWindow, sy_login_window, SY, LOGIN_WINDOW, GtkApplicationWindow)

GtkWidget  *sy_login_window_new          (SyService     *service);
/* Signs in to @provider (after its terms notice the first time; a Gemini
 * CLI sign-in asks for the Google Cloud project first), cancelling a
 * sign-in still running. NULL: back to the list of providers. */
void        sy_login_window_start        (SyLoginWindow *self,
                                          const char    *provider);
/* The provider being signed in to, NULL on the list. */
const char *sy_login_window_get_provider (SyLoginWindow *self);

G_END_DECLS
