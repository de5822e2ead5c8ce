/* sy-json.h: fast strict JSON reader and compact writer for JsonNode trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses one RFC 8259 JSON text into a new (unsealed) JsonNode tree.
 *
 * The reader is strict: no comments, trailing commas, single quotes,
 * NaN/Infinity, leading zeros, raw control characters in strings, lone
 * surrogates or invalid UTF-8; nothing but whitespace may follow the value.
 * "\u0000" is rejected as well, since JsonNode strings are NUL-terminated.
 * Integers that fit in gint64 become G_TYPE_INT64 values, other numbers
 * G_TYPE_DOUBLE (numbers too large for a double are an error). Of
 * duplicate object members the last one wins. Nesting deeper than 512
 * containers is an error.
 *
 * @len is the length of @text in bytes, or -1 when it is NUL-terminated.
 * On failure returns NULL and sets @error in JSON_PARSER_ERROR, its
 * message starting with "at byte N: ". */
JsonNode *sy_json_read     (const char *text,
                            gssize      len,
                            GError    **error);

/* Compact serialization (no whitespace), members in insertion order.
 * Doubles are written in a form that reads back to the same value and
 * stays a double (non-finite ones as null). Returns a NUL-terminated string
 * (free with g_free); its length goes to @len when not NULL. */
char     *sy_json_write    (JsonNode   *node,
                            gsize      *len);

/* Same as sy_json_write(), appending to @out. */
void      sy_json_write_to (JsonNode   *node,
                            GString    *out);

/* Same, one member or element a line: @indent per level, lines ended by
 * @newline, `"name": value`, empty containers as {} and []: the layout
 * JavaScript's JSON.stringify (value, null, indent) writes. No final
 * newline. */
void      sy_json_write_pretty (JsonNode   *node,
                                const char *indent,
                                const char *newline,
                                GString    *out);

/* @len bytes of UTF-8 @text as a JSON string literal (quotes included),
 * appended to @out: what the stream encoders write by hand. */
/* @value in decimal (the hot paths of the stream encoders: no printf). */
void      sy_json_append_uint (GString    *out,
                               guint64     value);

void      sy_json_append_string (GString    *out,
                                 const char *text,
                                 gsize       len);

G_END_DECLS
