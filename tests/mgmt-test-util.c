/* mgmt-test-util.c: what the management API's tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mgmt-test-util.h"

void
mgmt_write_config (const char *path,
                   const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

char *
mgmt_start_service (SyService *service)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_service_start (service, &error));
  g_assert_no_error (error);
  return g_strdup_printf ("http://127.0.0.1:%u", sy_service_get_port (service));
}

void
mgmt_stop_all (SoupSession  **session,
               SyService    **service,
               FakeUpstream **upstream)
{
  g_clear_object (session);
  if (*service != NULL)
    sy_service_stop (*service);
  g_clear_object (service);
  g_clear_pointer (upstream, fake_upstream_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
mgmt_request (SoupSession  *session,
              const char   *base,
              const char   *method,
              const char   *path,
              const char   *key,
              const char   *content_type,
              const char   *body,
              gsize         body_len,
              HttpResponse *out)
{
  g_autofree char *url = g_strconcat (base, "/v0/management", path, NULL);
  g_autofree char *auth = key ? g_strconcat ("Authorization: Bearer ", key, NULL) : NULL;
  const char *headers[] = { auth, NULL };

  http_request (session, method, url, content_type, body, body_len, headers, out);
}

void
mgmt_assert_error (HttpResponse *r,
                   guint         status,
                   const char   *error)
{
  g_autoptr(JsonNode) root = NULL;

  if (r->status != status)
    g_printerr ("unexpected answer %u: %s\n", r->status, r->text);
  g_assert_cmpuint (r->status, ==, status);
  root = http_response_json (r);
  g_assert_cmpstr (http_json_string (root, "error"), ==, error);
}

char *
mgmt_outside_address (void)
{
  struct ifaddrs *list = NULL;
  char *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (struct ifaddrs *i = list; i != NULL && found == NULL; i = i->ifa_next)
    {
      g_autoptr(GInetAddress) addr = NULL;

      if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
        continue;
      addr = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr,
                                            G_SOCKET_FAMILY_IPV4);
      if (!g_inet_address_get_is_loopback (addr))
        found = g_inet_address_to_string (addr);
    }
  freeifaddrs (list);
  return found;
}
