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
  /* Alibaba Cloud Model Studio's OpenAI-compatible endpoint (international). */
  .preset = "openai-compatibility:\n"
            "  - name: qwen\n"
            "    base-url: \"https://dashscope-intl.aliyuncs.com/compatible-mode/v1\"\n"
            "    api-key-entries: [{api-key: \"YOUR-DASHSCOPE-KEY\"}]\n"
            "    models: [{name: qwen3-coder-plus}, {name: qwen3-max}]\n",
};

const SyLoginProvider sy_login_iflow = {
  .name = "iflow",
  .title = "iFlow",
  .unavailable = "discontinued: iFlow ended its OAuth sign-in in April 2026; add an iFlow API key as an "
                 "openai-compatibility entry instead",
  .preset = "openai-compatibility:\n"
            "  - name: iflow\n"
            "    base-url: \"https://apis.iflow.cn/v1\"\n"
            "    api-key-entries: [{api-key: \"YOUR-IFLOW-KEY\"}]\n"
            "    models: [{name: qwen3-coder-plus}, {name: kimi-k2}, {name: glm-4.6}]\n",
};
