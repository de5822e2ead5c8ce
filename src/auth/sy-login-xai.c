/* sy-login-xai.c: xAI (Grok) sign-in and refresh
 *
 * Not written yet: the provider is listed, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_xai = {
  .name = "xai",
  .title = "xAI (Grok)",
  .auth = "https://auth.x.ai",
  .api = "https://api.x.ai",
  .port = 0,
  .path = NULL,
  .lead_s = 5 * 60,
  .unavailable = "not available in this version yet",
};
