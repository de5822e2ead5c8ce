/* sy-token-store.h: where OAuth secrets and logged-in API keys are kept
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SY_TOKEN_STORE_AUTO,       /* the keyring when one answers, else the file */
  SY_TOKEN_STORE_KEYRING,    /* the system keyring, or an error */
  SY_TOKEN_STORE_FILE,       /* tokens.enc in the store's directory */
} SyTokenStoreKind;

#define SY_TOKEN_STORE_ERROR (sy_token_store_error_quark ())

typedef enum
{
  SY_TOKEN_STORE_ERROR_NOT_FOUND,   /* no secret for that provider/account */
  SY_TOKEN_STORE_ERROR_NO_KEYRING,  /* KEYRING requested and no keyring answers */
  SY_TOKEN_STORE_ERROR_BAD_KEY,     /* tokens.enc cannot be decrypted with the key we have */
  SY_TOKEN_STORE_ERROR_CORRUPT,     /* tokens.enc is not a token file, or is cut short */
  SY_TOKEN_STORE_ERROR_IO,          /* reading or writing failed, or the keyring refused */
} SyTokenStoreError;

GQuark sy_token_store_error_quark (void);

#define SY_TYPE_TOKEN_STORE (sy_token_store_get_type ())
G_DECLARE_FINAL_TYPE (SyTokenStore, sy_token_store, SY, TOKEN_STORE, GObject)

/* @dir: where the encrypted file (tokens.enc) and, if needed, its key file
 * (tokens.key, 0600) live; created 0700 on the first write. Nothing is
 * touched before sy_token_store_open_async(). */
SyTokenStore     *sy_token_store_new               (SyTokenStoreKind     kind,
                                                    const char          *dir);
/* "auto", "keyring" or "file" (any case); *ok = FALSE and AUTO otherwise. */
SyTokenStoreKind  sy_token_store_kind_from_string  (const char          *text,
                                                    gboolean            *ok);
const char       *sy_token_store_kind_to_string    (SyTokenStoreKind     kind);

/* Resolves AUTO by probing the system keyring. On Windows that is the
 * Credential Manager (unusable when this logon session cannot keep
 * credentials past its end), on macOS the Keychain (unusable without a
 * default keychain, or a locked one that cannot ask to be unlocked), and
 * elsewhere the Secret Service: no session bus, no service on it, no
 * default collection, or a locked one that cannot be unlocked. No keyring
 * means the file backend. KEYRING then fails with
 * SY_TOKEN_STORE_ERROR_NO_KEYRING naming the cause. SWITCHYARD_MASTER_KEY
 * is read now. FILE probes too: without a passphrase, a new tokens.enc
 * gets its key kept in a keyring that answers instead of in tokens.key.
 * Operations may be started before the open finishes: they wait for it. */
void              sy_token_store_open_async        (SyTokenStore        *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          sy_token_store_open_finish       (SyTokenStore        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* "keyring" or "file"; NULL before the open succeeded. */
const char       *sy_token_store_get_backend       (SyTokenStore        *self);
const char       *sy_token_store_get_dir           (SyTokenStore        *self);

/* Secrets are opaque UTF-8 strings (JSON text in practice), keyed by
 * (@provider, @account); @provider has no '/'. Operations run one at a time
 * in the order they were started, so a load started after a save sees it. */
void              sy_token_store_save_async        (SyTokenStore        *self,
                                                    const char          *provider,
                                                    const char          *account,
                                                    const char          *secret,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          sy_token_store_save_finish       (SyTokenStore        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void              sy_token_store_load_async        (SyTokenStore        *self,
                                                    const char          *provider,
                                                    const char          *account,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* SY_TOKEN_STORE_ERROR_NOT_FOUND when absent. Free with g_free(). */
char             *sy_token_store_load_finish       (SyTokenStore        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void              sy_token_store_delete_async      (SyTokenStore        *self,
                                                    const char          *provider,
                                                    const char          *account,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* TRUE when the secret is gone, including when there was none. */
gboolean          sy_token_store_delete_finish     (SyTokenStore        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
