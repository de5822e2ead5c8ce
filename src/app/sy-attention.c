/* sy-attention.c: what in the accounts needs the user
 *
 * The account states know their models only once a request, a failure
 * or a quota reading touched them, so "the accounts that serve M" is
 * read as: accounts of a provider one of whose accounts has a state for
 * M. An account of that provider with no state for M yet counts as
 * available for it: a model is reported only when nothing is left.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include "sy-attention.h"
#include "sy-credential.h"
#include "sy-service-logins.h"

void
sy_exhausted_model_free (SyExhaustedModel *model)
{
  if (model == NULL)
    return;
  g_free (model->model);
  g_free (model);
}

gboolean
sy_attention_needs_login (SyService      *service,
                          SyAccountState *state)
{
  SyCredential *credential;

  g_return_val_if_fail (SY_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (SY_IS_ACCOUNT_STATE (state), FALSE);

  credential = sy_service_lookup_login (service, sy_account_state_get_id (state));
  return credential != NULL && sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN;
}

/* Enabled, and not a refused login: an account that could serve. */
static gboolean
is_usable (SyService      *service,
           SyAccountState *state)
{
  SyCredential *credential;

  if (!sy_account_state_get_enabled (state))
    return FALSE;
  credential = sy_service_lookup_login (service, sy_account_state_get_id (state));
  return credential == NULL ||
         (sy_credential_get_enabled (credential) &&
          sy_credential_get_status (credential) != SY_CREDENTIAL_NEEDS_LOGIN);
}

/* Whether every usable account of the providers in @providers that
 * serves @model is out for it; @out gets the soonest return. */
static gboolean
model_exhausted (SyService        *service,
                 GPtrArray        *usable,
                 GHashTable       *providers,
                 const char       *model,
                 gint64            now_us,
                 SyExhaustedModel *out)
{
  out->soonest_us = 0;
  out->n_accounts = 0;
  for (guint i = 0; i < usable->len; i++)
    {
      SyAccountState *state = g_ptr_array_index (usable, i);
      SyModelState ms;
      gint64 back = 0;

      if (!g_hash_table_contains (providers, sy_account_state_get_provider (state)))
        continue;
      sy_account_state_get_model (state, model, now_us, &ms);
      if (ms.status == SY_MODEL_DISABLED)
        continue;
      if (ms.status == SY_MODEL_COOLING)
        back = ms.until_us;
      else if (sy_account_state_get_quota (state, model) == 0)
        back = ms.quota_reset_us > now_us ? ms.quota_reset_us : 0;
      else
        return FALSE;   /* this one serves it */
      out->n_accounts++;
      if (back > 0 && (out->soonest_us == 0 || back < out->soonest_us))
        out->soonest_us = back;
    }
  return out->n_accounts > 0;
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

GPtrArray *
sy_attention_exhausted_models (SyService *service,
                               gint64     now_us)
{
  GListModel *accounts;
  g_autoptr(GPtrArray) usable = g_ptr_array_new_with_free_func (g_object_unref);
  /* model → set of the providers with an account that has a state for it */
  g_autoptr(GHashTable) models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_hash_table_unref);
  g_autofree char **names = NULL;
  GPtrArray *exhausted = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_exhausted_model_free);
  guint n_names = 0;

  g_return_val_if_fail (SY_IS_SERVICE (service), exhausted);

  accounts = sy_service_get_accounts (service);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);
      g_auto(GStrv) listed = NULL;

      if (!is_usable (service, state))
        continue;
      listed = sy_account_state_list_models (state);
      for (guint m = 0; listed != NULL && listed[m] != NULL; m++)
        {
          GHashTable *providers = g_hash_table_lookup (models, listed[m]);

          if (providers == NULL)
            {
              providers = g_hash_table_new (g_str_hash, g_str_equal);
              g_hash_table_insert (models, g_strdup (listed[m]), providers);
            }
          /* The state outlives this call: its provider string too. */
          g_hash_table_add (providers, (gpointer) sy_account_state_get_provider (state));
        }
      g_ptr_array_add (usable, g_steal_pointer (&state));
    }

  names = (char **) g_hash_table_get_keys_as_array (models, &n_names);
  g_qsort_with_data (names, (gint) n_names, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n_names; i++)
    {
      SyExhaustedModel found = { NULL, 0, 0 };

      if (!model_exhausted (service, usable, g_hash_table_lookup (models, names[i]), names[i],
                            now_us, &found))
        continue;
      found.model = g_strdup (names[i]);
      g_ptr_array_add (exhausted, g_memdup2 (&found, sizeof found));
    }
  return exhausted;
}
