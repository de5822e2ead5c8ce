/* sy-usage-sniff.h: token counts from an upstream answer, without decoding it
 *
 * When the client and the upstream speak the same format the answer is
 * relayed untouched, and no decoder sees the usage the upstream reports.
 * These read just that part of a body or stream event, into the IR's
 * usage (input with cached tokens included, output with reasoning).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-format.h"
#include "sy-ir.h"

G_BEGIN_DECLS

/* Cheap test on raw bytes: can this event or body carry usage at all? */
gboolean sy_usage_sniff_worth_parsing (const char *data,
                                       gsize       len);

/* Merges the usage @node reports (a whole answer, or one stream event's
 * data) in @format into @usage. Returns TRUE when it found some. */
gboolean sy_usage_sniff              (SyFormat    format,
                                      JsonNode   *node,
                                      SyIrUsage  *usage);

/* The same from the raw text of a whole answer or one event's data,
 * without building the whole document: the text is read with the token
 * scanner, and only the value of "usage" or "usageMetadata" (of the top
 * object, else of its "message" or "response" object) is parsed. The
 * answer of sy_usage_sniff() on the parsed document, at a fraction of the
 * cost (a pass-through answer is otherwise never parsed). FALSE for text
 * that is not a JSON object. */
gboolean sy_usage_sniff_text         (SyFormat    format,
                                      const char *data,
                                      gsize       len,
                                      SyIrUsage  *usage);

/* A whole answer relayed in its own format: TRUE when it is one JSON
 * object (every format's answer is one), and then, with @usage not NULL,
 * the usage it reports merged into @usage from the same single read. */
gboolean sy_usage_sniff_answer       (SyFormat    format,
                                      const char *data,
                                      gsize       len,
                                      SyIrUsage  *usage);

G_END_DECLS
