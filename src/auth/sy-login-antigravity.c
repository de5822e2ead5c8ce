/* sy-login-antigravity.c: Google Antigravity sign-in and refresh
 *
 * Not written yet: the provider is listed, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_antigravity = {
  .name = "antigravity",
  .title = "Google Antigravity",
  .auth = "https://accounts.google.com",
  .api = "https://cloudcode-pa.googleapis.com",
  .port = 51121,
  .path = "/oauth-callback",
  .lead_s = 5 * 60,
  .unavailable = "not available in this version yet",
};
