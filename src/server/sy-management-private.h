/* sy-management-private.h: what the management route files share
 *
 * Each route file (sy-mgmt-*.c) exports a table of routes; sy-management.c
 * checks the caller and dispatches. A handler answers through the helpers
 * below; one that has to wait (a query on the usage worker, an upstream
 * call) calls sy_mgmt_request_pause(), keeps the SyMgmtRequest it got (it
 * is reference counted) and answers later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-management.h"

G_BEGIN_DECLS

typedef enum
{
  SY_MGMT_GET    = 1 << 0,
  SY_MGMT_POST   = 1 << 1,
  SY_MGMT_PUT    = 1 << 2,
  SY_MGMT_PATCH  = 1 << 3,
  SY_MGMT_DELETE = 1 << 4,
} SyMgmtMethod;

typedef struct _SyMgmtRequest SyMgmtRequest;

struct _SyMgmtRequest
{
  /*< private >*/
  gint               ref_count;
  gboolean           paused;
  /*< public >*/
  SyManagement      *mgmt;
  SyRegistry        *registry;
  SyConfig          *config;      /* the registry's */
  SyHttpClient      *http;
  SoupServerMessage *msg;
  SyMgmtMethod       method;
  const char        *route;       /* the table's path */
  char              *tail;        /* what followed a route ending in '/', unescaped */
  GHashTable        *query;       /* may be NULL */
  GBytes            *body;        /* never NULL (maybe empty) */
};

typedef void (*SyMgmtHandler) (SyMgmtRequest *request);

typedef struct
{
  const char    *path;     /* after the prefix; ending in '/' takes a tail */
  guint          methods;  /* SyMgmtMethod mask */
  SyMgmtHandler  handler;
} SyMgmtRoute;

/* The tables, each ending with a zeroed route. */
extern const SyMgmtRoute sy_mgmt_auth_routes[];
extern const SyMgmtRoute sy_mgmt_config_routes[];
extern const SyMgmtRoute sy_mgmt_logs_routes[];
extern const SyMgmtRoute sy_mgmt_quota_routes[];
extern const SyMgmtRoute sy_mgmt_usage_routes[];

SyMgmtRequest *sy_mgmt_request_ref    (SyMgmtRequest *request);
void           sy_mgmt_request_unref  (SyMgmtRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyMgmtRequest, sy_mgmt_request_unref)

/* For a handler that answers later: the message waits. */
void         sy_mgmt_request_pause     (SyMgmtRequest *request);

const char  *sy_mgmt_query             (SyMgmtRequest *request,
                                        const char    *name);
/* The body parsed as JSON; NULL (and a 400 {"error":"invalid body"} sent)
 * when it is not. */
JsonNode    *sy_mgmt_body_json         (SyMgmtRequest *request);

/* Answers (each unpauses a paused message). */
void         sy_mgmt_reply_json        (SyMgmtRequest *request,
                                        guint          status,
                                        JsonNode      *node);
void         sy_mgmt_reply_builder     (SyMgmtRequest *request,
                                        guint          status,
                                        JsonBuilder   *builder);
/* {"error": error} or, with @message, {"error":..,"message":..} */
void         sy_mgmt_reply_error       (SyMgmtRequest *request,
                                        guint          status,
                                        const char    *error,
                                        const char    *message);
/* {"status":"ok"} */
void         sy_mgmt_reply_ok          (SyMgmtRequest *request);
/* What a query on a worker came back with: 200 with @node, or when @node
 * is NULL, 500 {"error": @failure, "message": @error's}. */
void         sy_mgmt_reply_result      (SyMgmtRequest *request,
                                        JsonNode      *node,
                                        const char    *failure,
                                        const GError  *error);
void         sy_mgmt_reply_bytes       (SyMgmtRequest *request,
                                        guint          status,
                                        const char    *content_type,
                                        GBytes        *bytes);

/* A copy that shares nothing with @node (json_node_copy() shares the
 * objects and arrays inside): what a route may change freely. */
JsonNode    *sy_mgmt_json_dup          (JsonNode      *node);
/* Members of a given type, NULL when missing or of another type. */
JsonObject  *sy_mgmt_object_member     (JsonObject    *object,
                                        const char    *name);
JsonArray   *sy_mgmt_array_member      (JsonObject    *object,
                                        const char    *name);
/* An RFC 3339 time as microseconds since the epoch; FALSE when it is not one. */
gboolean     sy_mgmt_parse_time        (const char    *text,
                                        gint64        *out_us);

/* RFC 3339 in UTC with microseconds, as CLIProxyAPI writes times. */
char        *sy_mgmt_format_time       (gint64         time_us);
/* @name: the time as sy_mgmt_format_time() writes it; nothing when
 * @time_us is 0 or less (it never happened). */
void         sy_mgmt_set_time          (JsonObject    *object,
                                        const char    *name,
                                        gint64         time_us);
void         sy_mgmt_add_time          (JsonBuilder   *builder,
                                        const char    *name,
                                        gint64         time_us);
/* The query parameter @name as a time: unix seconds, or RFC 3339. TRUE
 * with *@out_us unchanged when it is absent; FALSE when it is not a time. */
gboolean     sy_mgmt_time_param        (SyMgmtRequest *request,
                                        const char    *name,
                                        gint64        *out_us);

/* sy-management.c keeps these for the route files */
SyLogins     *sy_management_get_logins      (SyManagement *self);
SyUsageStore *sy_management_get_usage       (SyManagement *self);
SyQuotaHistory *sy_management_get_quota_history (SyManagement *self);
SyQuotaPoller  *sy_management_get_quota_poller  (SyManagement *self);
const char   *sy_management_get_config_path (SyManagement *self);
/* The owner's check of a new config (TRUE when it has none). */
gboolean      sy_management_check_config    (SyManagement *self,
                                             SyConfig     *config,
                                             GError      **error);
gboolean      sy_management_reload          (SyManagement *self,
                                             GError      **error);
GBytes       *sy_management_build_diagnostics (SyManagement *self,
                                             GError      **error);

G_END_DECLS
