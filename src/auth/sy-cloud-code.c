/* sy-cloud-code.c: how the Cloud Code clients name themselves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-cloud-code.h"

const char *
sy_cloud_code_os (gboolean go)
{
#if defined(G_OS_WIN32)
  return go ? "windows" : "win32";
#elif defined(__APPLE__)
  return "darwin";
#elif defined(__FreeBSD__)
  return "freebsd";
#else
  return "linux";
#endif
}

const char *
sy_cloud_code_arch (gboolean go)
{
#if defined(__x86_64__) || defined(_M_X64)
  return go ? "amd64" : "x64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#elif defined(__i386__) || defined(_M_IX86)
  return go ? "386" : "x86";
#else
  return "unknown";
#endif
}

char *
sy_gemini_cli_user_agent (const char *model)
{
  return g_strdup_printf ("GeminiCLI/" SY_GEMINI_CLI_VERSION "%s%s (%s; %s)", model ? "/" : "", model ? model : "",
                          sy_cloud_code_os (FALSE), sy_cloud_code_arch (FALSE));
}

char *
sy_antigravity_user_agent (void)
{
  return g_strdup_printf ("antigravity/" SY_ANTIGRAVITY_VERSION " %s/%s", sy_cloud_code_os (TRUE),
                          sy_cloud_code_arch (TRUE));
}
