/* sy-login-codex.c: ChatGPT (Codex) sign-in and refresh
 *
 * Not written yet: the provider is listed, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_codex = {
  .name = "codex",
  .title = "ChatGPT (Codex)",
  .auth = "https://auth.openai.com",
  .api = "https://chatgpt.com",
  .port = 1455,
  .path = "/auth/callback",
  .lead_s = 5 * 86400,
  .unavailable = "not available in this version yet",
};
