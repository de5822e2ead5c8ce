/* sy-auth-dir.h: CLIProxyAPI's auth-dir, honoured in place
 *
 * Every *.json directly in the directory is a login whose tokens stay in
 * that file: nothing goes to the token store or accounts.json. The
 * directory is watched (a file added, changed or deleted is picked up once
 * things are quiet for a moment; content that did not change is ignored),
 * and renewed tokens are written back into the same file in CLIProxyAPI's
 * format, its other keys kept.
 *
 * The API has the shape of SyLogins: get_all, lookup, "changed", save.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sy-credential.h"

G_BEGIN_DECLS

#define SY_TYPE_AUTH_DIR (sy_auth_dir_get_type ())
G_DECLARE_FINAL_TYPE (SyAuthDir, sy_auth_dir, SY, AUTH_DIR, GObject)

/* Nothing is read before sy_auth_dir_load(). */
SyAuthDir      *sy_auth_dir_new          (const char    *path);
const char     *sy_auth_dir_get_path     (SyAuthDir     *self);

/* Reads every file (a directory that does not exist is empty). Files that
 * are not usable logins are left out with a warning, and listed by
 * get_skipped(). FALSE only when the directory exists but cannot be read. */
gboolean        sy_auth_dir_load         (SyAuthDir     *self,
                                          GError       **error);
/* Follows the directory from now on; "changed" after each batch of changes
 * that added, removed or altered a login (tokens included). */
gboolean        sy_auth_dir_watch        (SyAuthDir     *self,
                                          GError       **error);
/* How long the directory must stay quiet before it is read again
 * (default 1000 ms, as CLIProxyAPI waits). */
void            sy_auth_dir_set_delay    (SyAuthDir     *self,
                                          guint          delay_ms);

/* SyCredential*, in file-name order. Borrowed. A file keeps its
 * credential object (and its id) across changes to its content. */
GPtrArray      *sy_auth_dir_get_all      (SyAuthDir     *self);
SyCredential   *sy_auth_dir_lookup       (SyAuthDir     *self,
                                          const char    *id);
/* The base name of @credential's file, or NULL when it is not one of ours. */
const char     *sy_auth_dir_get_file     (SyAuthDir     *self,
                                          SyCredential  *credential);
/* File name -> why it is not loaded. Borrowed. */
GHashTable     *sy_auth_dir_get_skipped  (SyAuthDir     *self);

/* Writes @credential's tokens back into its file (atomically, 0600): the
 * file as it is on disk now, with the new tokens merged in. Nothing is
 * written when that changes nothing. */
void            sy_auth_dir_save_async   (SyAuthDir     *self,
                                          SyCredential  *credential,
                                          GCancellable  *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer       user_data);
gboolean        sy_auth_dir_save_finish  (SyAuthDir     *self,
                                          GAsyncResult  *result,
                                          GError       **error);

G_END_DECLS
