/* sy-api-key.h: client API keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-provider.h"   /* SyHeaderLookup */

G_BEGIN_DECLS

typedef enum
{
  SY_API_KEY_OK,
  SY_API_KEY_MISSING,
  SY_API_KEY_INVALID,
} SyApiKeyResult;

SyApiKeyResult sy_api_key_check     (const char * const *keys,
                                     SyHeaderLookup      header,
                                     gpointer            header_data,
                                     GHashTable         *query,
                                     const char        **matched);
gboolean       sy_api_key_equal     (const char         *a,
                                     const char         *b);

G_END_DECLS
