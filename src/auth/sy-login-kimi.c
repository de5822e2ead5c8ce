/* sy-login-kimi.c: Kimi sign-in and refresh
 *
 * Not written yet: the provider is listed, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_kimi = {
  .name = "kimi",
  .title = "Kimi",
  .auth = "https://auth.kimi.com",
  .api = "https://api.kimi.com",
  .port = 0,
  .path = NULL,
  .lead_s = 5 * 60,
  .unavailable = "not available in this version yet",
};
