/* sy-oauth-private.h: the callback listener's decision, without HTTP
 *
 * What sy-oauth.c's callback handler does with the redirect's query,
 * apart from the page it answers: here so that tests and the fuzzer can
 * feed it any query.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_OAUTH_CALLBACK_NOT_A_REDIRECT,  /* no code and no error: 400, nothing settled */
  SY_OAUTH_CALLBACK_FORGED,          /* state missing or not the expected one: SY_OAUTH_ERROR_STATE */
  SY_OAUTH_CALLBACK_DENIED,          /* error=...: SY_OAUTH_ERROR_DENIED, *page_text says why */
  SY_OAUTH_CALLBACK_CODE,            /* *code: the authorization code, without "#state" */
} SyOAuthCallbackOutcome;

/* @query: the redirect's decoded parameters (may be NULL). Sets *@code,
 * *@page_text (both NULL unless said above) and @error as the outcome says. */
SyOAuthCallbackOutcome sy_oauth_callback_judge (GHashTable  *query,
                                                const char  *expected_state,
                                                char       **code,
                                                char       **page_text,
                                                GError     **error);

G_END_DECLS
