/* fuzz-oauth.c: libFuzzer target for what a browser sign-in sends back
 *
 * The first input byte picks what the rest is:
 *   0: the query of the redirect the callback listener receives, decoded as
 *      libsoup decodes it, then judged (sy_oauth_callback_judge);
 *   1: what a user pastes (sy_oauth_parse_redirect);
 *   2: the management API's POST /oauth-callback body
 *      (sy_mgmt_callback_parse), which becomes a paste for the listener.
 * Each one is also checked against another way in: the redirect's
 * parameters written as a paste must give the code the listener took; a
 * paste's parameters written out again must read back the same; the
 * management body's paste must carry its code and state to the listener.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "sy-mgmt-bodies.h"
#include "sy-oauth.h"
#include "sy-oauth-private.h"

#define EXPECTED_STATE "fuzz-state-0123"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Quiet; but a critical (a failed precondition: a call a caller must
 * not make) is a bug, and crashes. */
static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & G_LOG_LEVEL_CRITICAL)
    abort ();
}

static gboolean
is_empty (const char *s)
{
  return s == NULL || *s == '\0';
}

/* ?code=..&state=..&error=..&error_description=.. of the non-empty ones. */
static char *
paste_of (const char *code,
          const char *state,
          const char *error,
          const char *description)
{
  const char *params[9];
  guint n = 0;

  if (!is_empty (code))
    {
      params[n++] = "code";
      params[n++] = code;
    }
  if (!is_empty (state))
    {
      params[n++] = "state";
      params[n++] = state;
    }
  if (!is_empty (error))
    {
      params[n++] = "error";
      params[n++] = error;
    }
  if (!is_empty (description))
    {
      params[n++] = "error_description";
      params[n++] = description;
    }
  params[n] = NULL;
  return sy_oauth_build_url ("", params);
}

static gboolean
all_utf8 (GHashTable *params)
{
  static const char *names[] = { "code", "state", "error", "error_description" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_hash_table_lookup (params, names[i]);

      if (value != NULL && !g_utf8_validate (value, -1, NULL))
        return FALSE;
    }
  return TRUE;
}

static void
fuzz_callback_query (const char *query)
{
  g_autoptr(GHashTable) params = soup_form_decode (query);
  g_autofree char *code = NULL;
  g_autofree char *page_text = NULL;
  g_autoptr(GError) error = NULL;
  SyOAuthCallbackOutcome outcome;

  outcome = sy_oauth_callback_judge (params, EXPECTED_STATE, &code, &page_text, &error);
  switch (outcome)
    {
    case SY_OAUTH_CALLBACK_NOT_A_REDIRECT:
      if (code != NULL || page_text != NULL || error != NULL)
        abort ();
      break;
    case SY_OAUTH_CALLBACK_FORGED:
      if (code != NULL || !g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE))
        abort ();
      break;
    case SY_OAUTH_CALLBACK_DENIED:
      if (code != NULL || page_text == NULL || !g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED) ||
          !g_utf8_validate (page_text, -1, NULL) || !g_utf8_validate (error->message, -1, NULL))
        abort ();
      for (const char *p = page_text; *p != '\0'; p++)
        if ((guchar) *p < 0x20 || *p == 0x7f)
          abort ();
      break;
    case SY_OAUTH_CALLBACK_CODE:
      if (is_empty (code) || strchr (code, '#') != NULL || error != NULL ||
          params == NULL || g_strcmp0 (g_hash_table_lookup (params, "state"), EXPECTED_STATE) != 0)
        abort ();
      break;
    default:
      abort ();
    }

  /* The same parameters pasted: the same code. (A paste is read with
   * g_uri_parse_params(), which refuses what is not UTF-8; libsoup's
   * decoding of the browser's query does not, and no provider sends that.) */
  if (outcome == SY_OAUTH_CALLBACK_CODE && all_utf8 (params))
    {
      g_autofree char *paste = paste_of (g_hash_table_lookup (params, "code"), g_hash_table_lookup (params, "state"),
                                         g_hash_table_lookup (params, "error"),
                                         g_hash_table_lookup (params, "error_description"));
      g_autofree char *pasted_code = NULL;
      g_autofree char *pasted_state = NULL;

      if (!sy_oauth_parse_redirect (paste, &pasted_code, &pasted_state, NULL, NULL, NULL) ||
          g_strcmp0 (pasted_code, code) != 0 || g_strcmp0 (pasted_state, EXPECTED_STATE) != 0)
        abort ();
    }
}

static void
fuzz_paste (const char *text)
{
  g_autofree char *code = NULL;
  g_autofree char *state = NULL;
  g_autofree char *error_text = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *again = NULL;
  g_autofree char *code2 = NULL;
  g_autofree char *state2 = NULL;
  g_autofree char *error2 = NULL;
  g_autofree char *description2 = NULL;

  if (!sy_oauth_parse_redirect (text, &code, &state, &error_text, &description, &error))
    {
      if (!g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID) || code != NULL || state != NULL)
        abort ();
      return;
    }
  if (code == NULL && error_text == NULL)
    abort ();
  if (code != NULL && (*code == '\0' || strchr (code, '#') != NULL))
    abort ();

  /* Written out as a query and read again: the same. (Only UTF-8 can be:
   * a query's parameters must be, what follows '#' need not.) */
  if ((code != NULL && !g_utf8_validate (code, -1, NULL)) || (state != NULL && !g_utf8_validate (state, -1, NULL)))
    return;
  again = paste_of (code, state, error_text, description);
  if (!sy_oauth_parse_redirect (again, &code2, &state2, &error2, &description2, NULL) ||
      g_strcmp0 (code, code2) != 0 || g_strcmp0 (state, state2) != 0 ||
      g_strcmp0 (error_text, error2) != 0 || g_strcmp0 (description, description2) != 0)
    abort ();
}

static void
fuzz_mgmt_callback (const guint8 *data,
                    gsize         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_auto(SyMgmtCallback) cb = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *paste = NULL;
  g_autofree char *code = NULL;
  g_autofree char *state = NULL;
  g_autofree char *error_text = NULL;

  if (!sy_mgmt_callback_parse (body, &cb, &error))
    {
      if (error == NULL || error->domain != SY_MGMT_ERROR || error->code != 400)
        abort ();
      return;
    }
  if (cb.provider == NULL || is_empty (cb.state) || (is_empty (cb.code) && is_empty (cb.error)))
    abort ();
  paste = sy_mgmt_callback_paste (&cb);
  if (strchr (cb.code, '#') != NULL)
    {
      /* Claude's "code#state": the listener checks that state too. */
      sy_oauth_parse_redirect (paste, &code, &state, &error_text, NULL, NULL);
      return;
    }
  if (!sy_oauth_parse_redirect (paste, &code, &state, &error_text, NULL, NULL) ||
      g_strcmp0 (state, cb.state) != 0)
    abort ();
  if (*cb.code != '\0' ? g_strcmp0 (code, cb.code) != 0 : g_strcmp0 (error_text, cb.error) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static gboolean initialized;
  g_autofree char *text = NULL;

  if (!initialized)
    {
      g_log_set_default_handler (quiet_log, NULL);
      initialized = TRUE;
    }
  if (size < 1)
    return 0;

  switch (data[0] % 3)
    {
    case 0:
      text = g_strndup ((const char *) data + 1, size - 1);
      fuzz_callback_query (text);
      break;
    case 1:
      text = g_strndup ((const char *) data + 1, size - 1);
      fuzz_paste (text);
      break;
    default:
      fuzz_mgmt_callback (data + 1, size - 1);
      break;
    }
  return 0;
}
