/* sy-logins.h: the logged-in accounts: accounts.json plus the token store
 *
 * accounts.json (beside config.yaml, written atomically) says who each
 * login is; the token store holds its tokens. Adding a login stores the
 * tokens first and the entry second, so an entry never points at tokens
 * that were not saved; removing goes the other way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sy-credential.h"
#include "sy-token-store.h"

G_BEGIN_DECLS

#define SY_TYPE_LOGINS (sy_logins_get_type ())
G_DECLARE_FINAL_TYPE (SyLogins, sy_logins, SY, LOGINS, GObject)

/* @store: opened. @path: accounts.json. */
SyLogins       *sy_logins_new              (SyTokenStore  *store,
                                            const char    *path);
SyTokenStore   *sy_logins_get_store        (SyLogins      *self);
const char     *sy_logins_get_path         (SyLogins      *self);

/* Reads accounts.json and every login's tokens. A login whose tokens are
 * missing or unreadable stays listed as "needs login", with the reason. */
void            sy_logins_load_async       (SyLogins      *self,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean        sy_logins_load_finish      (SyLogins      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* Follows accounts.json: a sign-in or sign-out by another process (the
 * command line while the app runs) is loaded and "changed" emitted. */
gboolean        sy_logins_watch            (SyLogins      *self,
                                            GError       **error);

/* SyCredential*, in the order they were added. Borrowed. */
GPtrArray      *sy_logins_get_all          (SyLogins      *self);
SyCredential   *sy_logins_lookup           (SyLogins      *self,
                                            const char    *id);

/* Adds @credential, or replaces the login with its id (a new sign-in). */
void            sy_logins_add_async        (SyLogins      *self,
                                            SyCredential  *credential,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean        sy_logins_add_finish       (SyLogins      *self,
                                            GAsyncResult  *result,
                                            GError       **error);
void            sy_logins_remove_async     (SyLogins      *self,
                                            const char    *id,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean        sy_logins_remove_finish    (SyLogins      *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* After a refresh (or a status change): the tokens, then the entry. */
void            sy_logins_save_async       (SyLogins      *self,
                                            SyCredential  *credential,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean        sy_logins_save_finish      (SyLogins      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

G_END_DECLS
