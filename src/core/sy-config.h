/* sy-config.h: config.yaml as an immutable, reference-counted snapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SY_DEFAULT_PORT          8317
#define SY_DEFAULT_MAX_BODY_SIZE (32 * 1024 * 1024)

typedef enum
{
  SY_UPSTREAM_CLAUDE,          /* claude-api-key[] */
  SY_UPSTREAM_GEMINI,          /* gemini-api-key[] */
  SY_UPSTREAM_CODEX,           /* codex-api-key[] */
  SY_UPSTREAM_OPENAI_COMPAT,   /* openai-compatibility[] (one entry per api-key-entries item) */
  SY_UPSTREAM_VERTEX,          /* vertex-api-key[] */
  /* Served by signed-in accounts only (no config list): */
  SY_UPSTREAM_GEMINI_CLI,      /* Gemini Code Assist (cloudcode-pa v1internal) */
  SY_UPSTREAM_ANTIGRAVITY,     /* Google Antigravity (cloudcode-pa, its own client) */
  SY_UPSTREAM_KIMI,            /* Kimi Code */
  SY_UPSTREAM_XAI,             /* xAI Grok */
  SY_UPSTREAM_N_KINDS
} SyUpstreamKind;

typedef struct
{
  char *name;    /* upstream model id */
  char *alias;   /* client-visible id, NULL when none */
} SyModelEntry;

typedef struct
{
  char *name;
  char *value;
} SyHeader;

typedef struct
{
  SyUpstreamKind  kind;
  char           *name;            /* openai-compat: lower-cased `name`; else NULL */
  char           *api_key;         /* NULL for a key-less openai-compat entry */
  char           *base_url;        /* NULL = provider default; trailing '/' trimmed */
  char           *prefix;          /* NULL or one path segment, '/' trimmed */
  char           *proxy_url;       /* NULL = global proxy-url; "direct"/"none" = no proxy */
  int             priority;
  SyHeader       *headers;         /* extra upstream headers, n_headers of them */
  guint           n_headers;
  SyModelEntry   *models;          /* n_models; empty = provider's built-in catalogue */
  guint           n_models;
  char          **excluded_models; /* lower-cased globs, NULL-terminated, never NULL */
  guint           line;            /* 1-based line of the entry in the file */
} SyUpstreamEntry;

/* client-limits.keys: one client API key's own limits (-1: client-limits' own). */
typedef struct
{
  char *key;
  int   requests_per_minute;
  int   concurrent_requests;
} SyClientLimit;

typedef struct _SyConfig SyConfig;

/* Read-only after construction: fields may be read directly. */
struct _SyConfig
{
  /*< private >*/
  gint              ref_count;
  /*< public >*/
  char             *path;                   /* NULL when built from a string */
  char             *host;                   /* default "127.0.0.1" ("" = all interfaces) */
  int               port;                   /* default 8317; 0 = ephemeral */
  char            **api_keys;               /* trimmed, de-duplicated, NULL-terminated, never NULL */
  gboolean          debug;
  int               request_retry;
  int               max_retry_interval;
  int               max_retry_credentials;
  char             *routing_strategy;       /* normalised: "round-robin" or "fill-first" */
  char             *proxy_url;              /* NULL when unset */
  char             *auth_dir;               /* NULL when unset, '~' expanded */
  gboolean          usage_statistics_enabled;
  gboolean          passthrough_headers;
  gboolean          force_model_prefix;
  gboolean          disable_cooling;
  gboolean          request_log;
  gboolean          logging_to_file;
  guint64           max_body_size;          /* bytes; default SY_DEFAULT_MAX_BODY_SIZE */
  int               upstream_connect_timeout; /* seconds; default 30 */
  int               upstream_idle_timeout;    /* seconds without a byte from upstream; default 600 */
  int               streaming_keepalive_seconds;
  int               streaming_bootstrap_retries;
  int               nonstream_keepalive_interval;
  GPtrArray        *upstreams;              /* SyUpstreamEntry*, in file order */
  JsonNode         *root;                   /* the whole document as JSON (mapping), for keys
                                               later layers read; never NULL */
  char            **warnings;               /* "FILE:LINE:COL: unknown key 'x'", NULL-terminated */
  guint8            sha256[32];             /* of the source text */
  /* scalar keys whose defaults are not zero/FALSE, and their siblings */
  int               error_logs_max_files;   /* default 10 (negative → 10); 0 = no cleanup */
  int               logs_max_total_size_mb; /* default 0 = off (negative → 0) */
  int               auth_auto_refresh_workers; /* default 16 (≤ 0 → 16) */
  gboolean          commercial_mode;
  gboolean          ws_auth;
  gboolean          enable_gemini_cli_endpoint;
  gboolean          antigravity_signature_cache_enabled; /* default TRUE */
  gboolean          antigravity_signature_bypass_strict;
  /* Abuse limits (Switchyard only): per client API key, per client address
   * without api-keys; 0 = unlimited / never. */
  int               client_requests_per_minute;
  int               client_concurrent_requests;
  SyClientLimit    *client_limit_keys;      /* client-limits.keys, n_client_limit_keys of them */
  guint             n_client_limit_keys;
  int               request_header_timeout; /* seconds for a request head; default 30 */
  int               request_body_timeout;   /* seconds without a body byte; default 60 */
};

#define SY_TYPE_CONFIG (sy_config_get_type ())

GType            sy_config_get_type           (void) G_GNUC_CONST;
SyConfig        *sy_config_new_from_file      (const char      *path,
                                               GError         **error);
SyConfig        *sy_config_new_from_data      (const char      *data,
                                               gssize           len,
                                               const char      *filename,
                                               GError         **error);
SyConfig        *sy_config_new_default        (void);
SyConfig        *sy_config_ref                (SyConfig        *self);
void             sy_config_unref              (SyConfig        *self);
JsonNode        *sy_config_lookup             (SyConfig        *self,
                                               const char      *dotted_path);
/* endpoints.<provider>.<which> ("api" or "auth") without a trailing '/',
 * else @fallback (the real service's). */
char            *sy_config_endpoint           (SyConfig        *self,
                                               const char      *provider,
                                               const char      *which,
                                               const char      *fallback);
/* ampcode.<key>, else its CLIProxyAPI spelling amp-<key> (upstream-url,
 * upstream-api-key, restrict-management-to-localhost, model-mappings);
 * borrowed, NULL when neither is set. */
JsonNode        *sy_config_ampcode            (SyConfig        *self,
                                               const char      *key);
/* The limits for a client API key (NULL: a client without one). */
void             sy_config_client_limits      (SyConfig        *self,
                                               const char      *key,
                                               int             *requests_per_minute,
                                               int             *concurrent_requests);
gboolean         sy_host_is_loopback          (const char      *host);
const char      *sy_upstream_kind_to_string   (SyUpstreamKind   kind);
const char      *sy_config_default_text       (void);
char            *sy_config_default_path       (void);
gboolean         sy_config_ensure_file        (const char      *path,
                                               gboolean        *created,
                                               GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyConfig, sy_config_unref)

G_END_DECLS
