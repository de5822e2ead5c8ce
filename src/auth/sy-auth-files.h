/* sy-auth-files.h: CLIProxyAPI auth files, read and written
 *
 * CLIProxyAPI keeps each login as one JSON object in its auth-dir: "type"
 * names the provider, the tokens and a few per-account knobs sit beside it
 * (reference oauth.md §12). These functions turn such a file into a
 * SyCredential with its tokens, and a credential back into the file
 * CLIProxyAPI itself would write. A rewrite starts from the file as read,
 * so keys Switchyard does not know (proxy_url, headers, note...) survive.
 *
 * Import and export move logins between such a directory and SyLogins
 * (tokens into the token store, who into accounts.json).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-credential.h"
#include "sy-logins.h"

G_BEGIN_DECLS

#define SY_AUTH_FILE_ERROR (sy_auth_file_error_quark ())

typedef enum
{
  SY_AUTH_FILE_ERROR_INVALID,      /* not a JSON object, no "type", no token */
  SY_AUTH_FILE_ERROR_UNSUPPORTED,  /* qwen, iflow (discontinued), aistudio, unknown types */
} SyAuthFileError;

GQuark        sy_auth_file_error_quark      (void);

/* @data: a file's text. The JSON object it holds, or NULL and @error. */
JsonObject   *sy_auth_file_parse            (const char    *data,
                                             gssize         length,
                                             GError       **error);

/* The credential @file describes, tokens set (expiry from any accepted
 * key, RFC 3339 or Unix s/ms; last refresh likewise). Types: claude, codex,
 * gemini (provider "gemini-cli"), antigravity, kimi, vertex (the
 * service-account key is kept as the refresh token: access tokens are
 * minted from it). Knobs: prefix, priority, disabled, label; extras
 * "project_id", "account_id", "plan" (Codex: from the id_token claim),
 * "location", "device_id", "scope", "auto", "checked", "excluded_models"
 * (the patterns, one per line).
 * @name: the file's base name (Kimi files name no account: the name does).
 * Messages do not name the file: the caller does.
 * @identity: NULL for the account's own (its e-mail, plus the project or
 * ChatGPT workspace where one e-mail has several): what a sign-in to it
 * gives, so an import replaces an earlier import of it. Non-NULL: fixed by
 * the caller (the auth-dir ties a login to its file). */
SyCredential *sy_auth_file_to_credential    (JsonObject    *file,
                                             const char    *name,
                                             const char    *identity,
                                             GError       **error);

/* CLIProxyAPI's "type" for a provider ("gemini-cli" → "gemini"); NULL for
 * providers it has no files for (xai). */
const char   *sy_auth_file_type_for         (const char    *provider);

/* The file for @credential, as CLIProxyAPI writes it (§12.2). @original
 * (may be NULL: a new file) is the file as read: its keys stay, in their
 * order; tokens, expiry and last refresh are replaced (under the key
 * CLIProxyAPI writes, and under any other accepted key the file already
 * had, in that key's own format); knobs are written only where the
 * credential differs from what @original says. NULL and @error for
 * providers CLIProxyAPI has no files for. */
JsonObject   *sy_auth_file_from_credential  (SyCredential  *credential,
                                             JsonObject    *original,
                                             GError       **error);
/* The text written for @file (indented JSON and a newline). */
char         *sy_auth_file_to_data          (JsonObject    *file,
                                             gsize         *length);
/* Atomically (a temporary file renamed over), mode 0600. */
gboolean      sy_auth_file_write            (const char    *path,
                                             JsonObject    *file,
                                             GError       **error);
/* The name CLIProxyAPI gives the file: "claude-<email>.json",
 * "codex-<email>-<plan>.json" ("codex-<hash>-<email>-team.json"),
 * "gemini-<email>-<project>.json", "antigravity-<email>.json",
 * "kimi-<ms>.json", "vertex-[<prefix>-]<project>.json". NULL for providers
 * it has no files for. */
char         *sy_auth_file_name             (SyCredential  *credential);

/* The names of the *.json files directly in @dir (char*, sorted); NULL and
 * @error when it cannot be listed. */
GPtrArray    *sy_auth_file_list             (const char    *dir,
                                             GError       **error);

/* Wall-clock µs from an RFC 3339 string or a Unix time in seconds or
 * milliseconds (number or digits); 0 when absent or unreadable. */
gint64        sy_auth_file_parse_time       (JsonNode      *node);
/* RFC 3339 in the local time zone, as Go writes it ("Z" for UTC). */
char         *sy_auth_file_format_time      (gint64         time_us);

/* Import, export ----------------------------------------------------------- */

typedef struct
{
  char     *file;       /* base name in the directory */
  char     *id;         /* the login's id; NULL when the file was left out */
  char     *skipped;    /* why it was left out; NULL when it was not */
  gboolean  already;    /* left out because it was imported before */
  char     *dropped;    /* knobs of the file Switchyard does not keep ("proxy_url, headers"), or NULL */
} SyAuthFileResult;

void          sy_auth_file_result_free      (SyAuthFileResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyAuthFileResult, sy_auth_file_result_free)

/* Adds every *.json directly in @dir to @logins (loaded), in name order,
 * and keeps a record in @record_path (file name, SHA-256, login id): a file
 * whose content was imported before, and whose login still exists, is left
 * out as "already imported". A file replaces the login of the same account
 * (same id, or same provider, e-mail, project and ChatGPT account), unless
 * that login's tokens are newer (by last refresh, else expiry). The files
 * are only read. */
void          sy_auth_import_async          (SyLogins      *logins,
                                             const char    *dir,
                                             const char    *record_path,
                                             GCancellable  *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer       user_data);
/* SyAuthFileResult*, one per file; NULL and @error when @dir cannot be
 * listed. */
GPtrArray    *sy_auth_import_finish         (SyLogins      *logins,
                                             GAsyncResult  *result,
                                             GError       **error);

/* Writes a file for each of @credentials (SyCredential*, tokens loaded)
 * into @dir (created 0700), mode 0600. A file of the same name already
 * there is rewritten in place, its other keys kept. SyAuthFileResult*, one
 * per credential; NULL and @error when @dir cannot be created. */
GPtrArray    *sy_auth_export                (GPtrArray     *credentials,
                                             const char    *dir,
                                             GError       **error);

G_END_DECLS
