/* token-store-sync.h: the token store's async calls, waited for, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib/gstdio.h>

#include "sy-token-store.h"

static inline void
sync_got_result (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Spins the default main context until the callback ran. */
static inline GAsyncResult *
sync_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static inline gboolean
store_open (SyTokenStore  *store,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_token_store_open_async (store, NULL, sync_got_result, &result);
  return sy_token_store_open_finish (store, sync_wait (&result), error);
}

static inline gboolean
store_save (SyTokenStore  *store,
            const char    *provider,
            const char    *account,
            const char    *secret,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_token_store_save_async (store, provider, account, secret, NULL, sync_got_result, &result);
  return sy_token_store_save_finish (store, sync_wait (&result), error);
}

static inline char *
store_load (SyTokenStore  *store,
            const char    *provider,
            const char    *account,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_token_store_load_async (store, provider, account, NULL, sync_got_result, &result);
  return sy_token_store_load_finish (store, sync_wait (&result), error);
}

static inline gboolean
store_delete (SyTokenStore  *store,
              const char    *provider,
              const char    *account,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_token_store_delete_async (store, provider, account, NULL, sync_got_result, &result);
  return sy_token_store_delete_finish (store, sync_wait (&result), error);
}

/* A store of @kind on @dir, opened; fails the test when it does not open. */
static inline SyTokenStore *
store_new_open (SyTokenStoreKind  kind,
                const char       *dir)
{
  g_autoptr(SyTokenStore) store = sy_token_store_new (kind, dir);
  g_autoptr(GError) error = NULL;

  g_assert_null (sy_token_store_get_backend (store));
  g_assert_true (store_open (store, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sy_token_store_get_backend (store));
  return g_steal_pointer (&store);
}

/* The secret for (@provider, @account), which must be there. */
static inline void
assert_loads (SyTokenStore *store,
              const char   *provider,
              const char   *account,
              const char   *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = store_load (store, provider, account, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
}

static inline void
assert_absent (SyTokenStore *store,
               const char   *provider,
               const char   *account)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = store_load (store, provider, account, &error);

  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_assert_null (secret);
}

static inline void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}
