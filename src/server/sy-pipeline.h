/* sy-pipeline.h: one client request, from model to upstream and back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-format.h"
#include "sy-http-client.h"
#include "sy-provider.h"
#include "sy-registry.h"
#include "sy-request-log.h"
#include "sy-sink.h"
#include "sy-usage.h"

G_BEGIN_DECLS

/* Pause the upstream above this many unsent bytes; resume below the low mark. */
#define SY_PIPELINE_HIGH_WATER (1024 * 1024)
#define SY_PIPELINE_LOW_WATER  (256 * 1024)

typedef struct
{
  SyFormat        format;          /* the client's format */
  SyOperation     operation;
  gboolean        stream;
  gboolean        gemini_raw;      /* Gemini stream with alt other than sse: JSON array */
  char           *model;           /* as the client asked */
  JsonNode       *body;            /* parsed client body (object) */
  SyHeaderLookup  client_header;
  gpointer        client_header_data;
  char           *request_id;
  char           *api_key;         /* the client's key, NULL when none was needed (secret) */
  char           *route_label;     /* "POST /v1/messages": the usage "api" when no key */
} SyPipelineRequest;

typedef struct _SyPipeline SyPipeline;

SyPipeline *sy_pipeline_new            (SyRegistry        *registry,
                                        SyHttpClient      *http,
                                        SyPipelineRequest *request,
                                        SySink            *sink);
SyPipeline *sy_pipeline_ref            (SyPipeline        *self);
void        sy_pipeline_unref          (SyPipeline        *self);
/* Where the request's usage record goes (NULL: none). Before run. */
void        sy_pipeline_set_usage      (SyPipeline        *self,
                                        SyUsageStore      *store);
/* Where the upstream attempts are recorded (borrowed, NULL: nowhere). The
 * owner sets NULL before it finishes the record. */
void        sy_pipeline_set_request_log (SyPipeline       *self,
                                        SyRequestLog      *log);
void        sy_pipeline_run            (SyPipeline        *self);
void        sy_pipeline_sink_drained   (SyPipeline        *self);
void        sy_pipeline_cancel         (SyPipeline        *self);

void        sy_pipeline_request_clear  (SyPipelineRequest *request);
void        sy_pipeline_respond_error  (SySink            *sink,
                                        SyFormat           format,
                                        guint              status,
                                        const char        *message,
                                        const char        *type,
                                        const char        *code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyPipeline, sy_pipeline_unref)

G_END_DECLS
