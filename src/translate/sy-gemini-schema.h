/* sy-gemini-schema.h: JSON schemas rewritten into what Gemini accepts
 *
 * Gemini's function declarations understand a small subset of JSON
 * schema. The cleaner keeps the meaning of what it removes as hints in
 * the descriptions (enums, constraints, formats, unions), flattens
 * allOf/anyOf/oneOf and type arrays, and drops everything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_GEMINI_SCHEMA_PLAIN,        /* Gemini: also drops nullable/title and placeholders */
  SY_GEMINI_SCHEMA_PLACEHOLDER,  /* Antigravity: empty objects get a "reason" property,
                                    nested objects without required ones a "_" */
} SyGeminiSchemaVariant;

/* A cleaned copy of @schema (which is not modified); NULL if @schema is NULL. */
JsonNode *sy_gemini_schema_clean (JsonNode              *schema,
                                  SyGeminiSchemaVariant  variant);

G_END_DECLS
