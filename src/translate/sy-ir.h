/* sy-ir.h: the intermediate representation every wire format translates through
 *
 * A client request is decoded from its wire format into an SyIrRequest,
 * the reasoning settings are resolved (sy-thinking.h), and the request is
 * encoded into the upstream's format. Answers go the other way: a whole
 * answer as SyIrResponse, a stream as a sequence of SyIrEvent.
 *
 * Rules every codec keeps:
 *  - strings are UTF-8 and owned by the struct that holds them;
 *  - "unset" is explicit: SY_IR_UNSET for integers, has_* flags for doubles,
 *    NULL for strings and nodes, so an encoder writes only what was given;
 *  - tool-call arguments travel as JSON text (what OpenAI puts on the wire);
 *    tool schemas and other JSON values as JsonNode;
 *  - opaque reasoning signatures remember which upstream family made them
 *    (sy_ir_signature_*) so one is only ever sent back to where it came from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-format.h"

G_BEGIN_DECLS

#define SY_IR_UNSET G_MININT64

/* ---------------------------------------------------------------- parts */

typedef enum
{
  SY_IR_PART_TEXT,
  SY_IR_PART_IMAGE,        /* data (base64) + mime_type, or url */
  SY_IR_PART_DOCUMENT,     /* PDF or other file: data + mime_type (+ filename), or url */
  SY_IR_PART_AUDIO,        /* data + mime_type (e.g. "audio/wav") */
  SY_IR_PART_TOOL_CALL,    /* id, name, arguments */
  SY_IR_PART_TOOL_RESULT,  /* tool_call_id, name (if known), content, is_error */
  SY_IR_PART_THINKING,     /* text, signature; redacted: data holds the opaque blob */
} SyIrPartType;

typedef struct _SyIrPart SyIrPart;

struct _SyIrPart
{
  SyIrPartType  type;

  char         *text;           /* TEXT, THINKING */

  char         *mime_type;      /* IMAGE, DOCUMENT, AUDIO */
  char         *data;           /* base64 payload (no "data:" prefix); redacted thinking blob */
  char         *url;            /* http(s) or provider file URI, when no data */
  char         *filename;       /* DOCUMENT */

  char         *id;             /* TOOL_CALL: the call id */
  char         *name;           /* TOOL_CALL, TOOL_RESULT: the client's tool name */
  char         *arguments;      /* TOOL_CALL: JSON text of the arguments object, "{}" if none */

  char         *tool_call_id;   /* TOOL_RESULT */
  GPtrArray    *content;        /* TOOL_RESULT: SyIrPart* (TEXT, IMAGE, DOCUMENT) */
  gboolean      is_error;       /* TOOL_RESULT */

  char         *signature;      /* THINKING, TOOL_CALL, TEXT: wrapped, see sy_ir_signature_wrap */
  gboolean      redacted;       /* THINKING: Claude redacted_thinking; the blob is in data */
};

SyIrPart   *sy_ir_part_new            (SyIrPartType  type);
SyIrPart   *sy_ir_part_new_text       (const char   *text);
SyIrPart   *sy_ir_part_copy           (const SyIrPart *part);
void        sy_ir_part_free           (SyIrPart     *part);

/* Splits "data:<mime>;base64,<data>" into its halves; FALSE if @url is not one. */
gboolean    sy_ir_parse_data_url      (const char   *url,
                                       char        **mime_type,
                                       char        **data);
char       *sy_ir_make_data_url       (const char   *mime_type,
                                       const char   *data);
/* Joined text of the TEXT parts of a tool result (or of any part array). */
char       *sy_ir_parts_text          (GPtrArray    *parts,
                                       const char   *separator);

/* ------------------------------------------------------------- messages */

typedef enum
{
  SY_IR_ROLE_USER,        /* includes tool results: TOOL_RESULT parts live in user turns */
  SY_IR_ROLE_ASSISTANT,
} SyIrRole;

typedef struct
{
  SyIrRole   role;
  GPtrArray *parts;       /* SyIrPart* */
} SyIrMessage;

SyIrMessage *sy_ir_message_new        (SyIrRole      role);
void         sy_ir_message_free       (SyIrMessage  *message);
void         sy_ir_message_add        (SyIrMessage  *message,
                                       SyIrPart     *part);   /* takes ownership */

/* ---------------------------------------------------------------- tools */

typedef enum
{
  SY_IR_TOOL_FUNCTION,
  SY_IR_TOOL_WEB_SEARCH,      /* Claude web_search_*, Responses web_search*, Gemini googleSearch */
  SY_IR_TOOL_CODE_EXECUTION,  /* Gemini codeExecution */
  SY_IR_TOOL_URL_CONTEXT,     /* Gemini urlContext */
  SY_IR_TOOL_OTHER,           /* a built-in tool of the client's format, kept raw */
} SyIrToolType;

typedef struct
{
  SyIrToolType  type;
  char         *name;
  char         *description;
  JsonNode     *parameters;    /* JSON schema (object), NULL if none given */
  int           strict;        /* -1 unset, 0, 1 */
  JsonNode     *raw;           /* OTHER and built-ins: the tool object as the client sent it */
  SyFormat      raw_format;    /* the format @raw is written in */
} SyIrTool;

SyIrTool   *sy_ir_tool_new            (SyIrToolType  type);
void        sy_ir_tool_free           (SyIrTool     *tool);

typedef enum
{
  SY_IR_TOOL_CHOICE_UNSET,
  SY_IR_TOOL_CHOICE_AUTO,
  SY_IR_TOOL_CHOICE_NONE,
  SY_IR_TOOL_CHOICE_REQUIRED,   /* some tool must be called */
  SY_IR_TOOL_CHOICE_NAMED,      /* this one: tool_choice_name */
} SyIrToolChoice;

/* ------------------------------------------------------------ reasoning */

typedef enum
{
  SY_IR_REASONING_UNSET,
  SY_IR_REASONING_NONE,    /* thinking off */
  SY_IR_REASONING_AUTO,    /* the model decides (dynamic budget, adaptive) */
  SY_IR_REASONING_LEVEL,   /* level */
  SY_IR_REASONING_BUDGET,  /* budget tokens, > 0 */
} SyIrReasoningMode;

typedef enum
{
  SY_IR_LEVEL_NONE = 0,
  SY_IR_LEVEL_MINIMAL,
  SY_IR_LEVEL_LOW,
  SY_IR_LEVEL_MEDIUM,
  SY_IR_LEVEL_HIGH,
  SY_IR_LEVEL_XHIGH,
  SY_IR_LEVEL_MAX,
} SyIrLevel;

typedef struct
{
  SyIrReasoningMode mode;
  SyIrLevel         level;            /* LEVEL */
  gint64            budget;           /* BUDGET */
  int               include_thoughts; /* -1 unset, 0, 1 */
  char             *summary;          /* Responses reasoning.summary, if given */
  gboolean          adaptive;         /* Claude target: the model takes {type:adaptive} +
                                         output_config.effort (set by sy-thinking) */
} SyIrReasoning;

const char *sy_ir_level_to_string     (SyIrLevel     level);
gboolean    sy_ir_level_from_string   (const char   *text,
                                       SyIrLevel    *level);
/* The reference tables: none 0, minimal 512, low 1024, medium 8192,
 * high 24576, xhigh 32768, max 128000; and back by thresholds (1..512
 * minimal, ..1024 low, ..8192 medium, ..24576 high, above xhigh). */
gint64      sy_ir_level_to_budget     (SyIrLevel     level);
SyIrLevel   sy_ir_budget_to_level     (gint64        budget);

/* ------------------------------------------------------------- requests */

typedef enum
{
  SY_IR_RESPONSE_FORMAT_UNSET,
  SY_IR_RESPONSE_FORMAT_TEXT,
  SY_IR_RESPONSE_FORMAT_JSON_OBJECT,
  SY_IR_RESPONSE_FORMAT_JSON_SCHEMA,
} SyIrResponseFormatType;

typedef struct
{
  char           *model;           /* as the client wrote it (suffix included) */
  gboolean        stream;

  GPtrArray      *system;          /* SyIrPart* (TEXT, maybe IMAGE): system + developer text, in order */
  GPtrArray      *messages;        /* SyIrMessage*, in order */

  GPtrArray      *tools;           /* SyIrTool* */
  SyIrToolChoice  tool_choice;
  char           *tool_choice_name;
  int             parallel_tool_calls;  /* -1 unset, 0, 1 */

  gint64          max_tokens;      /* SY_IR_UNSET or > 0 */
  gboolean        has_temperature;
  double          temperature;
  gboolean        has_top_p;
  double          top_p;
  gint64          top_k;           /* SY_IR_UNSET or >= 0 */
  GPtrArray      *stop;            /* char*, NULL if none */
  gint64          seed;            /* SY_IR_UNSET if none */
  gboolean        has_presence_penalty;
  double          presence_penalty;
  gboolean        has_frequency_penalty;
  double          frequency_penalty;
  gint64          n;               /* SY_IR_UNSET or candidate count */
  gboolean        logprobs;        /* asked for token log probabilities */
  gint64          top_logprobs;    /* SY_IR_UNSET or count */

  SyIrResponseFormatType response_format;
  char           *response_schema_name;
  JsonNode       *response_schema;      /* JSON_SCHEMA */
  int             response_schema_strict; /* -1 unset, 0, 1 */

  SyIrReasoning   reasoning;

  gboolean        include_usage;   /* OpenAI stream_options.include_usage */
  char           *user;            /* end-user id (OpenAI user, Claude metadata.user_id) */
} SyIrRequest;

SyIrRequest *sy_ir_request_new        (void);
void         sy_ir_request_free       (SyIrRequest  *request);
SyIrMessage *sy_ir_request_add_message (SyIrRequest *request,
                                       SyIrRole      role);   /* returns the new message */
/* The last message if it has @role, else a new one: for formats that merge. */
SyIrMessage *sy_ir_request_tail       (SyIrRequest  *request,
                                       SyIrRole      role);
/* The tool name of the call with @tool_call_id earlier in the conversation. */
const char  *sy_ir_request_find_call_name (const SyIrRequest *request,
                                       const char   *tool_call_id);

/* ------------------------------------------------------------ responses */

typedef enum
{
  SY_IR_FINISH_UNSET,
  SY_IR_FINISH_STOP,            /* natural end */
  SY_IR_FINISH_LENGTH,          /* max tokens reached */
  SY_IR_FINISH_TOOL_CALLS,
  SY_IR_FINISH_STOP_SEQUENCE,   /* a stop sequence matched (stop_sequence says which) */
  SY_IR_FINISH_CONTENT_FILTER,  /* safety, recitation, blocklist... */
  SY_IR_FINISH_ERROR,           /* upstream reported a malformed or failed generation */
} SyIrFinish;

typedef struct
{
  gint64 input_tokens;          /* all prompt tokens, cached ones included */
  gint64 output_tokens;         /* all generated tokens, reasoning included */
  gint64 total_tokens;
  gint64 cached_tokens;         /* of input: read from cache */
  gint64 cache_creation_tokens; /* of input: written to cache (Claude) */
  gint64 reasoning_tokens;      /* of output */
} SyIrUsage;                    /* every field SY_IR_UNSET when unknown, else
                                 * in 0..SY_IR_TOKENS_MAX */

/* Token counts read off the wire go through sy_ir_tokens(): a negative
 * count becomes 0 and one above SY_IR_TOKENS_MAX (a trillion, far beyond
 * any context window) that maximum, so that codecs can add a few counts
 * (input + output, cache reads and writes) without overflowing. */
#define SY_IR_TOKENS_MAX G_GINT64_CONSTANT (1000000000000)
gint64       sy_ir_tokens             (gint64        count);

/* TRUE and @d in @value when @d is an integer that gint64 holds exactly;
 * FALSE for fractions, infinities, NaN and integers out of range (which
 * C leaves undefined to convert). */
gboolean     sy_ir_int_from_double    (double        d,
                                       gint64       *value);

void         sy_ir_usage_init         (SyIrUsage    *usage);
gboolean     sy_ir_usage_is_set       (const SyIrUsage *usage);
/* Copies the known fields of @from over @into. */
void         sy_ir_usage_merge        (SyIrUsage    *into,
                                       const SyIrUsage *from);

typedef struct
{
  char       *id;
  char       *model;
  gint64      created;          /* unix seconds, SY_IR_UNSET if unknown */
  GPtrArray  *parts;            /* SyIrPart*: THINKING, TEXT, TOOL_CALL, IMAGE, in order */
  SyIrFinish  finish;
  char       *native_finish;    /* the upstream's own reason string, if any */
  char       *stop_sequence;
  SyIrUsage   usage;
} SyIrResponse;

SyIrResponse *sy_ir_response_new      (void);
void          sy_ir_response_free     (SyIrResponse *response);

/* -------------------------------------------------------------- streams */

typedef enum
{
  SY_IR_EVENT_START,            /* id, model, created (any may be unset) */
  SY_IR_EVENT_TEXT,             /* text */
  SY_IR_EVENT_THINKING,         /* text */
  SY_IR_EVENT_SIGNATURE,        /* signature (wrapped) for the thinking in progress */
  SY_IR_EVENT_REDACTED_THINKING,/* data: a whole opaque block */
  SY_IR_EVENT_TOOL_CALL_START,  /* index, id, name, signature (may be NULL) */
  SY_IR_EVENT_TOOL_CALL_DELTA,  /* index, text = argument fragment */
  SY_IR_EVENT_TOOL_CALL_END,    /* index */
  SY_IR_EVENT_IMAGE,            /* mime_type, data */
  SY_IR_EVENT_USAGE,            /* usage (fields set so far; later events may add) */
  SY_IR_EVENT_FINISH,           /* finish, native_finish, stop_sequence */
  SY_IR_EVENT_ERROR,            /* status, text = message, error_type */
} SyIrEventType;

typedef struct
{
  SyIrEventType  type;
  const char    *id;
  const char    *model;
  gint64         created;
  const char    *text;
  gsize          text_len;      /* length of text; decoders set it */
  const char    *signature;
  const char    *data;
  const char    *mime_type;
  guint          index;         /* tool call: 0-based, in order of appearance in this answer */
  const char    *name;
  SyIrUsage      usage;
  SyIrFinish     finish;
  const char    *native_finish;
  const char    *stop_sequence;
  guint          status;        /* ERROR: HTTP status the upstream gave, or 0 */
  const char    *error_type;
} SyIrEvent;                    /* borrowed strings: valid only during the emit call */

void         sy_ir_event_init         (SyIrEvent    *event,
                                       SyIrEventType type);

typedef void (*SyIrEmitFunc)  (const SyIrEvent *event,
                               gpointer         user_data);

/* Collects a stream into a whole answer (a client that asked for one answer
 * from an upstream that only streams). */
typedef struct _SyIrCollector SyIrCollector;

SyIrCollector *sy_ir_collector_new    (void);
void           sy_ir_collector_free   (SyIrCollector *collector);
void           sy_ir_collector_add    (const SyIrEvent *event,
                                       gpointer       collector);  /* an SyIrEmitFunc */
/* The answer so far; NULL and @error set if the stream carried an error. */
SyIrResponse  *sy_ir_collector_finish (SyIrCollector *collector,
                                       guint         *error_status,
                                       GError       **error);

/* Replays a whole answer as stream events (an upstream that answered in
 * one piece to a streaming request), START to FINISH. */
void         sy_ir_response_emit      (const SyIrResponse *response,
                                       SyIrEmitFunc  emit,
                                       gpointer      user_data);

/* ----------------------------------------------------------- signatures */

/* Opaque signatures are stored wrapped as "<family>#<signature>" where
 * family is "claude", "gemini" or "openai" (Responses encrypted_content). A
 * signature that reaches the client through another family's field is sent
 * wrapped, so it comes back recognisable. */
char        *sy_ir_signature_wrap     (const char   *family,
                                       const char   *signature);
/* The signature if it belongs to @family, else NULL (borrowed from @wrapped). */
const char  *sy_ir_signature_for      (const char   *wrapped,
                                       const char   *family);
/* What a client field of @family carries for @wrapped: bare when the family
 * matches, the wrapped text otherwise. Newly allocated. */
char        *sy_ir_signature_export   (const char   *wrapped,
                                       const char   *family);
/* The inverse: a signature read from a field of @family, wrapped. */
char        *sy_ir_signature_import   (const char   *field_value,
                                       const char   *family);

/* --------------------------------------------------------------- debug */

/* A canonical JSON form of the IR, for tests (round trips compare these). */
JsonNode    *sy_ir_request_to_json    (const SyIrRequest  *request);
JsonNode    *sy_ir_response_to_json   (const SyIrResponse *response);
JsonNode    *sy_ir_event_to_json      (const SyIrEvent    *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrPart, sy_ir_part_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrMessage, sy_ir_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrTool, sy_ir_tool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrRequest, sy_ir_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrResponse, sy_ir_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyIrCollector, sy_ir_collector_free)

G_END_DECLS
