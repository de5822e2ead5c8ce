/* sy-login-discontinued.c: providers whose sign-in ended
 *
 * Qwen and iFlow ended their OAuth sign-in in April 2026. Their names stay
 * known so that a user who asks is told why, and what to do instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-private.h"

const SyLoginProvider sy_login_qwen = {
  .name = "qwen",
  .title = "Qwen",
  .unavailable = "discontinued: Qwen ended its OAuth sign-in in April 2026; add a Qwen API key as an "
                 "openai-compatibility entry instead",
};

const SyLoginProvider sy_login_iflow = {
  .name = "iflow",
  .title = "iFlow",
  .unavailable = "discontinued: iFlow ended its OAuth sign-in in April 2026; add an iFlow API key as an "
                 "openai-compatibility entry instead",
};
