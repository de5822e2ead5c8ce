/* sy-format.h: the client and upstream wire formats, and their error shapes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_FORMAT_OPENAI,             /* Chat Completions */
  SY_FORMAT_OPENAI_RESPONSES,   /* Responses API, also spoken by Codex */
  SY_FORMAT_CLAUDE,             /* Messages API */
  SY_FORMAT_GEMINI,             /* generateContent */
  SY_FORMAT_GEMINI_CLI,         /* Cloud Code envelope {model, project, request} */
} SyFormat;

const char *sy_format_to_string          (SyFormat     format);
const char *sy_format_display_name       (SyFormat     format);

char       *sy_format_error_body         (SyFormat     format,
                                          guint        status,
                                          const char  *message,
                                          const char  *type,
                                          const char  *code);
char       *sy_format_stream_error       (SyFormat     format,
                                          guint        status,
                                          const char  *message);
char       *sy_format_error_message_from_body (const char *body,
                                          gsize        len);

G_END_DECLS
