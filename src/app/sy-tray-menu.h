/* sy-tray-menu.h: the tray's menu, built from the engine's live objects
 *
 * A GMenuModel and the "tray" action group it uses, following a SyService:
 * the proxy switch, the endpoint (click copies), a line per account with
 * its quota, then the application's own actions, which the menu names
 * with the "app" prefix (app.login(provider), app.accounts, app.mappings,
 * app.usage, app.settings, app.quit). The menu changes as the service's
 * listening state, port and accounts change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "switchyard.h"
#include "sy-account-state.h"
#include "sy-tray.h"

G_BEGIN_DECLS

#define SY_TYPE_TRAY_MENU (sy_tray_menu_get_type ())

G_DECLARE_FINAL_TYPE (SyTrayMenu, sy_tray_menu, SY, TRAY_MENU, GObject)

SyTrayMenu   *sy_tray_menu_new              (SyService      *service);
GMenuModel   *sy_tray_menu_get_model        (SyTrayMenu     *self);
/* Insert it with the "tray" prefix. */
GActionGroup *sy_tray_menu_get_actions      (SyTrayMenu     *self);
/* What the icon should say (the "status" property follows it). */
SyTrayStatus  sy_tray_menu_get_status       (SyTrayMenu     *self);
/* The proxy could not listen (startup, or the switch): the icon says
 * "error" until it listens. The switch's own failures also emit
 * "listen-failed" (a GError). */
void          sy_tray_menu_set_failed       (SyTrayMenu     *self,
                                             gboolean        failed);
/* Rebuilds the menu and the status now rather than in the idle. */
void          sy_tray_menu_update           (SyTrayMenu     *self);
/* What the icon says for @service at @now_us: stopped (error after a
 * failed listen), attention (an enabled account needs login, or every
 * account that serves some model is out for it, see sy-attention.h),
 * else running. */
SyTrayStatus  sy_tray_menu_compute_status   (SyService      *service,
                                             gboolean        failed,
                                             gint64          now_us);
/* One account's line: "Claude · me@x.com — 62% · resets 18:00". */
char         *sy_tray_menu_describe_account (SyAccountState *state,
                                             gint64          now_us);
/* ...with "needs login" in it when its login was refused. */
char         *sy_tray_menu_describe_account_full (SyAccountState *state,
                                                  gboolean        needs_login,
                                                  gint64          now_us);

G_END_DECLS
