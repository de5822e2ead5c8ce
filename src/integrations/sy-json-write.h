/* sy-json-write.h: JSON text for a person's own file, in that file's style
 *
 * The coding tools' settings files are edited by hand and by the tools
 * themselves (which write them as JavaScript's JSON.stringify does:
 * `"key": value`, two-space indent). json-glib's generator writes
 * `"key" : value`, so a merge through it would restyle every line of the
 * file. This writer keeps what can be kept of the old text: its indent
 * unit (spaces or a tab), CRLF or LF line ends, and whether the file
 * ends with a newline. Numbers keep their kind (3 stays 3, 2.0 stays
 * 2.0); strings get the escapes JSON requires and no others.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* @root as text styled like @style_from (NULL or blank: two spaces, LF,
 * a final newline). */
char *sy_json_write_like (JsonNode   *root,
                          const char *style_from);

G_END_DECLS
