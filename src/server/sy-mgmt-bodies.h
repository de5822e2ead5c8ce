/* sy-mgmt-bodies.h: the management routes' request bodies, read without HTTP
 *
 * What each route that takes a body does with it, as functions of the body
 * (and of the value it changes), apart from the reading and writing of files
 * and the answer: the handlers call them, and so do the tests and the fuzzer.
 *
 * A refusal is a SY_MGMT_ERROR whose code is the HTTP status and whose
 * message is the answer's "error", followed, when the answer has a
 * "message" too, by '\n' and that message (sy_mgmt_reply_gerror() answers
 * it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-management-private.h"
#include "sy-usage.h"

G_BEGIN_DECLS

#define SY_MGMT_ERROR (sy_mgmt_error_quark ())

GQuark       sy_mgmt_error_quark       (void);
void         sy_mgmt_reply_gerror      (SyMgmtRequest *request,
                                        const GError  *error);
/* The body as JSON; 400 "invalid body" when empty or not JSON. */
JsonNode    *sy_mgmt_body_parse        (GBytes        *body,
                                        GError       **error);

/* json_object_get_{string,int,boolean}_member_with_default() and
 * json_array_get_string_element() for what a client sent: the same
 * values, without their critical when a member or an element is an object
 * or an array (the default, NULL). An int is an integer, or a double cut
 * to one when gint64 holds it (sy_json_node_to_int64()); anything else
 * gives the default. */
const char  *sy_mgmt_string_with_default  (JsonObject   *object,
                                           const char   *name,
                                           const char   *fallback);
gint64       sy_mgmt_int_with_default     (JsonObject   *object,
                                           const char   *name,
                                           gint64        fallback);
gboolean     sy_mgmt_boolean_with_default (JsonObject   *object,
                                           const char   *name,
                                           gboolean      fallback);
const char  *sy_mgmt_string_element       (JsonArray    *array,
                                           guint         index);

/* -- sy-mgmt-config.c: PUT/PATCH/DELETE of a setting ------------------------- */

/* What to write in config.yaml: @value at @key (NULL removes the key), or,
 * with @keep, nothing (the masked key a GET showed, sent back). */
typedef struct
{
  const char *key;
  gboolean    keep;
  JsonNode   *value;
} SyMgmtChange;

void         sy_mgmt_change_clear      (SyMgmtChange  *change);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyMgmtChange, sy_mgmt_change_clear)

/* A scalar route (/debug, /routing/strategy, ...). @current: the value the
 * running config has there (only read for a key, which is masked). */
gboolean     sy_mgmt_scalar_change     (const char    *route,
                                        SyMgmtMethod   method,
                                        JsonNode      *current,
                                        GBytes        *body,
                                        SyMgmtChange  *change,
                                        GError       **error);
/* A list route (/api-keys, /gemini-api-key, ...). @current: the file's
 * list, an array the call may change (the change may point to it). */
gboolean     sy_mgmt_list_change       (const char    *route,
                                        SyMgmtMethod   method,
                                        JsonNode      *current,
                                        GHashTable    *query,
                                        GBytes        *body,
                                        SyMgmtChange  *change,
                                        GError       **error);
/* /oauth-excluded-models, /oauth-model-alias. @current: the file's map, an
 * object the call may change. */
gboolean     sy_mgmt_map_change        (const char    *route,
                                        SyMgmtMethod   method,
                                        JsonNode      *current,
                                        GHashTable    *query,
                                        GBytes        *body,
                                        SyMgmtChange  *change,
                                        GError       **error);
/* /model-mappings, /ampcode/model-mappings, /ampcode/upstream-api-keys.
 * @current: the file's list, an array the call may change. */
gboolean     sy_mgmt_mappings_change   (const char    *route,
                                        SyMgmtMethod   method,
                                        JsonNode      *current,
                                        GBytes        *body,
                                        SyMgmtChange  *change,
                                        GError       **error);

/* -- sy-mgmt-auth.c --------------------------------------------------------- */

/* The body when it is a JSON object, else NULL. */
JsonObject  *sy_mgmt_body_object       (GBytes        *body);

/* PATCH /auth-files/status: the login's name (trimmed) and the switch. */
gboolean     sy_mgmt_status_parse      (JsonObject    *body,
                                        char         **name,
                                        gboolean      *disabled,
                                        GError       **error);

/* PATCH /auth-files/fields: the login's name (trimmed). */
char        *sy_mgmt_login_name        (JsonObject    *body,
                                        GError       **error);

typedef struct
{
  gboolean    has_prefix;
  char       *prefix;       /* "" removes */
  gboolean    has_proxy;
  char       *proxy_url;    /* "" removes */
  JsonObject *headers;      /* name -> value; "" removes that header */
  gboolean    has_priority;
  gint64      priority;     /* 0 removes */
  gboolean    has_note;
  char       *note;         /* "" removes */
} SyMgmtFields;

void         sy_mgmt_fields_clear      (SyMgmtFields  *fields);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyMgmtFields, sy_mgmt_fields_clear)

/* PATCH /auth-files/fields: what to change. */
gboolean     sy_mgmt_fields_parse      (JsonObject    *body,
                                        SyMgmtFields  *fields,
                                        GError       **error);
/* The change made to a login's file (a JSON object). */
void         sy_mgmt_fields_edit       (JsonObject    *file,
                                        SyMgmtFields  *fields);

/* DELETE /auth-files with a body ([names], {"name"}, {"names"}): adds the
 * names (trimmed, each once) to @names. */
gboolean     sy_mgmt_delete_names      (GBytes        *body,
                                        GPtrArray     *names,
                                        GError       **error);

/* POST /oauth-callback: what the browser's redirect carried. */
typedef struct
{
  const char *provider;      /* Switchyard's name */
  char       *state;         /* valid (1-128 of [A-Za-z0-9._-]) */
  char       *code;          /* "" when there is an error instead */
  char       *error;         /* "" when there is a code */
} SyMgmtCallback;

void         sy_mgmt_callback_clear    (SyMgmtCallback *callback);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyMgmtCallback, sy_mgmt_callback_clear)

gboolean     sy_mgmt_callback_parse    (GBytes         *body,
                                        SyMgmtCallback *callback,
                                        GError        **error);
/* What is handed to the sign-in's listener, as if pasted. */
char        *sy_mgmt_callback_paste    (SyMgmtCallback *callback);

/* POST /api-call */
typedef struct
{
  char      *method;         /* upper case */
  char      *url;            /* http(s) with a host */
  char      *auth_index;     /* NULL when none */
  GBytes    *data;           /* NULL when none */
  GPtrArray *names;          /* headers: names and values */
  GPtrArray *values;
  gboolean   wants_token;    /* a header value holds $TOKEN$ */
} SyMgmtApiCall;

void         sy_mgmt_api_call_clear    (SyMgmtApiCall *call);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyMgmtApiCall, sy_mgmt_api_call_clear)

gboolean     sy_mgmt_api_call_parse    (GBytes        *body,
                                        SyMgmtApiCall *call,
                                        GError       **error);

/* -- sy-mgmt-quota.c -------------------------------------------------------- */

/* POST /reset-quota: *@wanted (borrowed from @body's, NULL with @all). */
gboolean     sy_mgmt_reset_parse       (JsonNode      *body,
                                        const char   **wanted,
                                        gboolean      *all,
                                        GError       **error);

/* -- sy-mgmt-usage.c -------------------------------------------------------- */

/* POST /usage/import: the snapshot (the body's "usage"). */
JsonNode    *sy_mgmt_import_parse      (JsonNode      *body,
                                        GError       **error);

/* Every detail of a snapshot, as the import reads them. */
typedef void (*SyMgmtDetailFunc) (const char *api,
                                  const char *model,
                                  JsonObject *detail,
                                  gint64      time_us,
                                  gpointer    user_data);

void         sy_mgmt_for_each_detail   (JsonNode        *snapshot,
                                        SyMgmtDetailFunc func,
                                        gpointer         user_data);
/* What tells two details apart (an import skips one already there). */
char        *sy_mgmt_detail_key        (const char    *api,
                                        const char    *model,
                                        JsonObject    *detail,
                                        gint64         time_us);

/* The usage record a detail is imported as (its strings borrowed). */
void         sy_mgmt_detail_record     (const char    *api,
                                        const char    *model,
                                        JsonObject    *detail,
                                        gint64         time_us,
                                        SyUsageRecord *record);

G_END_DECLS
