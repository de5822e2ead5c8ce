/* sy-json-scan.h: a validating one-pass JSON scanner for small documents
 *
 * Stream events are small JSON objects arriving by the thousand, and a
 * general-purpose DOM (json-glib: a hash table and a list per object,
 * built and freed per event) costs far more than the translation itself.
 * The stream decoders read events with this small validating scanner
 * instead: one pass records every value as a token (subtrees are
 * contiguous, each token knows where its subtree ends), and members are
 * then looked up in place. Strings are only unescaped when used. Token
 * indexes are ints: -1 is "none".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_JSON_TOK_OBJECT,
  SY_JSON_TOK_ARRAY,
  SY_JSON_TOK_STRING,
  SY_JSON_TOK_NUMBER,
  SY_JSON_TOK_TRUE,
  SY_JSON_TOK_FALSE,
  SY_JSON_TOK_NULL,
} SyJsonTokType;

typedef struct
{
  guint8  type;
  guint8  escaped;        /* STRING: contains backslash escapes */
  guint32 start;          /* STRING, NUMBER: first byte (after the quote); OBJECT, ARRAY: the bracket */
  guint32 end;            /* one past the last byte (the closing bracket's, for OBJECT, ARRAY) */
  guint32 count;          /* OBJECT: members; ARRAY: elements */
  guint32 next;           /* index of the first token after this subtree */
} SyJsonTok;

typedef struct
{
  const char *text;
  gsize       len;
  gsize       pos;
  SyJsonTok  *toks;
  guint       n_toks;
  guint       allocated;
} SyJsonScan;

#define SY_JSON_TOK(c, i) (&(c)->toks[(i)])

/* An empty scanner (its token array allocated) / its memory freed. */
void        sy_json_scan_init          (SyJsonScan *c);
void        sy_json_scan_clear         (SyJsonScan *c);
/* Reads one JSON text (@text is not copied: it must outlive the reads);
 * FALSE if it is not exactly one valid value (UTF-8 checked). Token 0 is
 * the root. */
gboolean    sy_json_scan_read          (SyJsonScan *c,
                                        const char *text,
                                        gsize       len);
/* Appends the unescaped text of a STRING token to @out. */
void        sy_json_scan_append_string (SyJsonScan *c,
                                        guint       index,
                                        GString    *out);
/* The unescaped text of a STRING token in @scratch (overwritten), or NULL
 * if @index is not a string. */
const char *sy_json_scan_string        (SyJsonScan *c,
                                        int         index,
                                        GString    *scratch);
/* The value of member @key of the object at @object; -1 if absent, null,
 * or @object is not an object. */
int         sy_json_scan_get           (SyJsonScan *c,
                                        int         object,
                                        const char *key);
/* The value of member @key, null included; -1 if absent. */
int         sy_json_scan_member        (SyJsonScan *c,
                                        int         object,
                                        const char *key);
/* The same, -1 unless the value is of @type. */
int         sy_json_scan_get_typed     (SyJsonScan   *c,
                                        int           object,
                                        const char   *key,
                                        SyJsonTokType type);
/* Elements of an array: first = sy_json_scan_first (c, a), then
 * sy_json_scan_after (c, a, e); -1 after the last. */
int         sy_json_scan_first         (SyJsonScan *c,
                                        int         array);
int         sy_json_scan_after         (SyJsonScan *c,
                                        int         array,
                                        int         element);
/* An integral number (1, 1.0, 1e3), as json-glib reads them. */
gboolean    sy_json_scan_int           (SyJsonScan *c,
                                        int         index,
                                        gint64     *value);

G_END_DECLS
