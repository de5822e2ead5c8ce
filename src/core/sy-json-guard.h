/* sy-json-guard.h: json-glib's parser, kept to one value of bounded depth
 *
 * Every JSON text that json-glib parses goes through sy_json_parser_load()
 * instead of json_parser_load_from_data(). json-glib 1.6 (Debian 12)
 * recurses once per nesting level without a limit, so a few hundred
 * thousand '[' (well within an upstream's error body or a management
 * request) overflow the stack; and after one whole value it accepts an
 * array or object more, keeping the first and leaking the others. The
 * guard scans the text first, without recursing: more than
 * SY_JSON_MAX_DEPTH levels, anything but white space after the first
 * value, and what json-glib takes beyond JSON that could hide brackets
 * from the count (comments, single-quoted strings, escapes JSON does not
 * have, surrogates without their other half: json-glib 1.6 can read those
 * past the closing quote) are refused with a JSON_PARSER_ERROR before
 * json-glib sees the text. Other errors of a text
 * that is not JSON are json-glib's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SY_JSON_MAX_DEPTH 512

/* TRUE when @data (@len bytes, or NUL-terminated when -1) nests at most
 * @max_depth arrays and objects, has outside its strings only what JSON
 * has there (a leading byte order mark aside) and nothing but white space
 * after its first value, and in its strings only JSON's escapes, with
 * surrogates in whole pairs; else FALSE with a JSON_PARSER_ERROR_PARSE.
 * Other texts that are not JSON pass, for json-glib to refuse. */
gboolean  sy_json_guard_check  (const char  *data,
                                gssize       len,
                                guint        max_depth,
                                GError     **error);

/* sy_json_guard_check() with SY_JSON_MAX_DEPTH, then
 * json_parser_load_from_data(). */
gboolean  sy_json_parser_load  (JsonParser  *parser,
                                const char  *data,
                                gssize       len,
                                GError     **error);

/* TRUE with @node's integer in @value when @node holds an integer, or a
 * double whose integer part (toward zero) gint64 holds; FALSE for
 * anything else: other types, NaN, infinities and doubles out of range,
 * which C leaves undefined to convert. */
gboolean  sy_json_node_to_int64 (JsonNode   *node,
                                 gint64     *value);

G_END_DECLS
