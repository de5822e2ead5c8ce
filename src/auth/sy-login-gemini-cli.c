/* sy-login-gemini-cli.c: Gemini Code Assist sign-in and refresh
 *
 * Not written yet: the provider is listed, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_gemini_cli = {
  .name = "gemini-cli",
  .title = "Gemini Code Assist",
  .auth = "https://accounts.google.com",
  .api = "https://cloudcode-pa.googleapis.com",
  .port = 8085,
  .path = "/oauth2callback",
  .lead_s = 0,
  .unavailable = "not available in this version yet",
};
