/* sy-cloud-code.h: how the Cloud Code clients name themselves
 *
 * Facts: reference providers.md §1 and §9. Gemini Code Assist and
 * Antigravity logins talk to cloudcode-pa as the Gemini CLI and the
 * Antigravity app do: with their versions and this machine's platform, in
 * Node's words (the Gemini CLI) or Go's (Antigravity). The request builders,
 * the quota reads and the sign-in say the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_GEMINI_CLI_VERSION  "0.31.0"
#define SY_GEMINI_API_CLIENT   "google-genai-sdk/1.41.0 gl-node/v22.19.0"   /* X-Goog-Api-Client */
#define SY_ANTIGRAVITY_VERSION "1.21.9"

/* "linux", "darwin", "freebsd", and "win32" (Node) or "windows" (Go). */
const char *sy_cloud_code_os                (gboolean    go);
/* "x64" (Node) or "amd64" (Go), "arm64", "x86" (Node) or "386" (Go). */
const char *sy_cloud_code_arch              (gboolean    go);

/* "GeminiCLI/<version>/@model (<os>; <arch>)"; without @model (NULL)
 * "GeminiCLI/<version> (<os>; <arch>)". */
char       *sy_gemini_cli_user_agent        (const char *model);
/* "antigravity/<version> <os>/<arch>" */
char       *sy_antigravity_user_agent       (void);

G_END_DECLS
