/* sy-toml-edit.h: table-level edits to a TOML file that keep every other byte
 *
 * Not a TOML parser: the text is cut into logical lines (a table header, a
 * key/value pair with a value that may run over several lines, a comment or
 * a blank line) and whole lines are replaced or inserted. Debian packages no
 * C TOML library, and a parse/serialise round trip would lose the user's
 * comments and layout anyway.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_TOML_EDIT_ERROR (sy_toml_edit_error_quark ())

typedef enum
{
  SY_TOML_EDIT_ERROR_SYNTAX,       /* an unterminated string, array or header */
  SY_TOML_EDIT_ERROR_UNSUPPORTED,  /* the place to edit is written in a form this editor leaves alone */
} SyTomlEditError;

GQuark  sy_toml_edit_error_quark    (void);

/* @value as a TOML basic string, quotes included ("a\"b"). */
char   *sy_toml_quote_string        (const char  *value);

/* Returns @text with the top-level key @key (a bare key) set to
 * @value_toml (a TOML value as written, e.g. "\"gpt-5\"" or "3"). An
 * existing `key = ...` before the first table is replaced as a whole
 * logical line (a multi-line value too); otherwise the pair goes after the
 * last top-level pair, or first in the file when there is none. Line
 * endings follow the file's (CRLF when its first line ends so). */
char   *sy_toml_set_top_level       (const char  *text,
                                     const char  *key,
                                     const char  *value_toml,
                                     GError     **error);

/* Returns @text with the table [@name] (dotted, bare parts, e.g.
 * "model_providers.switchyard") holding exactly @body (lines `k = v`, each
 * ending in "\n"; converted to the file's line endings). An existing header
 * and its pairs up to its last pair are replaced in place (comments and
 * blank lines after the last pair stay with what follows); otherwise the
 * table is appended at the end, after a blank line. Pairs elsewhere that
 * would define the same table (`name.x = ...` at the top level, or in the
 * parent table) are removed so the result stays valid TOML; an inline
 * table in their place is UNSUPPORTED. */
char   *sy_toml_set_table           (const char  *text,
                                     const char  *name,
                                     const char  *body,
                                     GError     **error);

G_END_DECLS
