/* sy-app-util.c: small things every window of the desktop app uses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-app-resources.h"
#include "sy-app-util.h"
#include "sy-login.h"

#define ICON_RESOURCE "/io/github/switchyard/Switchyard/icons"

void
sy_app_ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sy_app_register_resource ();
      /* Without a display there is no default icon theme (unit tests of
       * the non-widget parts). */
      if (gdk_screen_get_default () != NULL)
        gtk_icon_theme_add_resource_path (gtk_icon_theme_get_default (), ICON_RESOURCE);
      g_once_init_leave (&done, 1);
    }
}

const char *
sy_app_provider_name (const char *provider)
{
  static const struct { const char *id; const char *name; } names[] = {
    { "claude", "Claude" },
    { "codex", "Codex" },
    { "antigravity", "Antigravity" },
    { "gemini-cli", "Gemini" },
    { "kimi", "Kimi" },
    { "xai", "Grok" },
    { "vertex", "Vertex AI" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i].id, provider) == 0)
      return names[i].name;
  return sy_login_provider_title (provider);
}

char *
sy_app_format_time (gint64 when_us,
                    gint64 now_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (when_us / G_USEC_PER_SEC);

  if (dt == NULL)
    return g_strdup ("?");
  /* Within a day the hour says it; later ones need the day too. */
  return g_date_time_format (dt, when_us - now_us < G_TIME_SPAN_DAY ? "%H:%M" : "%a %H:%M");
}
