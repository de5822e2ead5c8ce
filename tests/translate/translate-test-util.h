/* translate-test-util.h: JSON and SSE helpers shared by the translation tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *event;   /* NULL when the frame had no "event:" line */
  char *data;
} TtFrame;

/* A file under tests/translate (SY_TRANSLATE_DATA); aborts on errors. */
JsonNode  *tt_load_json        (const char *relative_path);
char      *tt_data_path        (const char *relative_path);
/* Parses or aborts. */
JsonNode  *tt_parse            (const char *text);
char      *tt_to_string        (JsonNode   *node,
                                gboolean    pretty);

/* Structural equality: member order is ignored, numbers compare by value.
 * On a difference, *where (if given) names the first differing path. */
gboolean   tt_json_equal       (JsonNode   *a,
                                JsonNode   *b,
                                char      **where);
#define tt_assert_json_equal(actual, expected) \
  tt_assert_json_equal_impl ((actual), (expected), __FILE__, __LINE__)
void       tt_assert_json_equal_impl (JsonNode *actual,
                                JsonNode   *expected,
                                const char *file,
                                int         line);

/* Splits SSE text into frames (TtFrame*, freed by the array). */
GPtrArray *tt_sse_parse        (const char *text,
                                gsize       len);
void       tt_frame_free       (TtFrame    *frame);

G_END_DECLS
