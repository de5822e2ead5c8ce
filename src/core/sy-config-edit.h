/* sy-config-edit.h: edits to config.yaml that keep its comments and layout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Returns @text with the value at @path (a NULL-terminated list of mapping
 * keys, e.g. { "routing", "strategy", NULL }) set to @value, or the key
 * removed when @value is NULL. Everything else (comments, blank lines, key
 * order, other values) is kept byte for byte: a scalar is replaced in place
 * (a comment after it stays), a block value as whole lines, a flow value
 * ([a, b], {}) whole. Missing or null parent mappings are created; a new key
 * goes at the end of its mapping (top level: the end of the first document).
 * Values are written in block style with the file's indentation and line
 * endings; strings are quoted only where YAML would read them otherwise.
 *
 * The result is read back before it is returned: when @text loads as a
 * config, the result must load too and differ from it only at @path.
 * Errors (%SY_CORE_ERROR): CONFIG_SYNTAX when @text is not YAML (or not
 * UTF-8); CONFIG_INVALID when @path goes through a value that is not a
 * mapping, when the result would not load (a value of the wrong type) or
 * would not read back as intended (an alias or a merge key in the way). */
char     *sy_config_edit_set        (const char         *text,
                                     const char * const *path,
                                     JsonNode           *value,
                                     GError            **error);

/* The text of the scalar at @path as written (quotes and escapes undone),
 * or NULL (no error) when the key is absent, null, or not a scalar (a
 * mapping, a list, an alias). */
char     *sy_config_edit_get_scalar (const char         *text,
                                     const char * const *path,
                                     GError            **error);

/* Reads @file, applies sy_config_edit_set() and writes the result with
 * sy_config_write_atomic() when it differs (*@changed tells). */
gboolean  sy_config_edit_file       (const char         *file,
                                     const char * const *path,
                                     JsonNode           *value,
                                     gboolean           *changed,
                                     GError            **error);

/* Replaces the file at @path (the target when @path is a symbolic link) by
 * @text: written to a temporary file in the same directory, flushed to disk,
 * given the old file's mode (0600 for a new file), renamed over. */
gboolean  sy_config_write_atomic    (const char         *path,
                                     const char         *text,
                                     gsize               len,
                                     GError            **error);

/* Removes the temporary files that writes of @path by
 * sy_config_write_atomic() left when the process was killed before their
 * rename; only those a minute old, as a younger one may be another
 * process's write under way. */
guint     sy_config_remove_stale_temps (const char      *path);

G_END_DECLS
