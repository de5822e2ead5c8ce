/* fuzz-config.c: libFuzzer target for the config.yaml loader
 *
 * The input is the text of a config file. Besides "no crash, no leak", it
 * checks what callers rely on: an error is a SY_CORE_ERROR whose message
 * starts with "FILE:LINE:COLUMN: " inside the text; a config that loads has
 * the invariants sy-config.h promises; and a config that loads survives the
 * management API's edit (sy_config_edit_set) as sy-config-edit.h promises:
 * the edited text loads again and reads back the value set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-config.h"
#include "sy-config-edit.h"
#include "sy-core-error.h"

#define FILENAME "fuzz.yaml"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Quiet; but a critical (a failed precondition: a call a caller must
 * not make) is a bug, and crashes. */
static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & G_LOG_LEVEL_CRITICAL)
    abort ();
}

/* "FILE:LINE:COL: " with LINE within the text's lines. */
static void
check_error (const GError *error,
             const char   *text,
             gsize         len)
{
  const char *p;
  char *end = NULL;
  guint64 line;
  guint64 lines = 1;

  if (error == NULL || error->domain != SY_CORE_ERROR || !g_str_has_prefix (error->message, FILENAME ":"))
    abort ();
  p = error->message + strlen (FILENAME ":");
  line = g_ascii_strtoull (p, &end, 10);
  if (end == p || *end != ':')
    abort ();
  p = end + 1;
  g_ascii_strtoull (p, &end, 10);
  if (end == p || *end != ':')
    abort ();
  /* Lines as YAML counts them: "\r\n", "\r", "\n", NEL, LS, PS end one. */
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')) ||
        (len - i >= 2 && memcmp (text + i, "\xc2\x85", 2) == 0) ||
        (len - i >= 3 && (memcmp (text + i, "\xe2\x80\xa8", 3) == 0 || memcmp (text + i, "\xe2\x80\xa9", 3) == 0)))
      lines++;
  if (line < 1 || line > lines)
    abort ();
}

static void
check_config (SyConfig *config)
{
  guint n;

  if (config->api_keys == NULL || config->warnings == NULL || config->upstreams == NULL ||
      config->root == NULL || !JSON_NODE_HOLDS_OBJECT (config->root))
    abort ();
  if (g_strcmp0 (config->routing_strategy, "round-robin") != 0 &&
      g_strcmp0 (config->routing_strategy, "fill-first") != 0)
    abort ();
  for (n = 0; config->api_keys[n] != NULL; n++)
    for (guint j = 0; j < n; j++)
      if (strcmp (config->api_keys[j], config->api_keys[n]) == 0)
        abort ();
  for (guint i = 0; i < config->upstreams->len; i++)
    {
      SyUpstreamEntry *e = g_ptr_array_index (config->upstreams, i);

      if (e->kind >= SY_UPSTREAM_N_KINDS || e->excluded_models == NULL ||
          (e->n_models > 0 && e->models == NULL) || (e->n_headers > 0 && e->headers == NULL))
        abort ();
      for (guint j = 0; j < e->n_models; j++)
        if (e->models[j].name == NULL)
          abort ();
      for (guint j = 0; j < e->n_headers; j++)
        if (e->headers[j].name == NULL || e->headers[j].value == NULL)
          abort ();
    }

  /* What later layers read from the snapshot. */
  sy_config_lookup (config, "remote-management.secret-key");
  sy_config_lookup (config, "payload.override");
  sy_config_ampcode (config, "model-mappings");
  g_free (sy_config_endpoint (config, "claude", "api", "https://example.invalid"));
  g_free (sy_config_endpoint (config, "codex", "auth", "https://example.invalid"));
}

/* The edit the management API makes for PUT /debug and PUT /routing/strategy. */
static void
check_edit (const char *text,
            const char *dotted,
            JsonNode   *value)
{
  g_auto(GStrv) path = g_strsplit (dotted, ".", -1);
  g_autoptr(GError) error = NULL;
  g_autofree char *edited = sy_config_edit_set (text, (const char * const *) path, value, &error);
  g_autoptr(SyConfig) again = NULL;
  JsonNode *read;

  if (edited == NULL)
    {
      /* Refusing is allowed (a parent that is not a mapping, an alias in
       * the way); anything but a SY_CORE_ERROR is not. */
      if (error == NULL || error->domain != SY_CORE_ERROR)
        abort ();
      return;
    }
  again = sy_config_new_from_data (edited, -1, FILENAME, &error);
  if (again == NULL)
    abort ();
  read = sy_config_lookup (again, dotted);
  if (read == NULL || !json_node_equal (read, value))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static gboolean initialized;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autofree char *text = NULL;

  if (!initialized)
    {
      g_log_set_default_handler (quiet_log, NULL);
      initialized = TRUE;
    }

  config = sy_config_new_from_data ((const char *) data, (gssize) size, FILENAME, &error);
  if (config == NULL)
    {
      check_error (error, (const char *) data, size);
      return 0;
    }
  if (error != NULL)
    abort ();
  check_config (config);

  /* The edit needs a C string; a text with a NUL in it is not a file the
   * management API would have loaded. */
  if (memchr (data, '\0', size) != NULL)
    return 0;
  text = g_strndup ((const char *) data, size);
  {
    g_autoptr(JsonNode) on = json_node_init_boolean (json_node_alloc (), TRUE);
    g_autoptr(JsonNode) strategy = json_node_init_string (json_node_alloc (), "fill-first");

    check_edit (text, "debug", on);
    check_edit (text, "routing.strategy", strategy);
  }
  return 0;
}
