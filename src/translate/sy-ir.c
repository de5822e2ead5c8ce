/* sy-ir.c: the intermediate representation: constructors, helpers, collector
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-ir.h"

/* ---------------------------------------------------------------- parts */

SyIrPart *
sy_ir_part_new (SyIrPartType type)
{
  SyIrPart *part = g_new0 (SyIrPart, 1);

  part->type = type;
  return part;
}

SyIrPart *
sy_ir_part_new_text (const char *text)
{
  SyIrPart *part = sy_ir_part_new (SY_IR_PART_TEXT);

  part->text = g_strdup (text ? text : "");
  return part;
}

SyIrPart *
sy_ir_part_copy (const SyIrPart *part)
{
  SyIrPart *copy = g_new0 (SyIrPart, 1);

  copy->type = part->type;
  copy->text = g_strdup (part->text);
  copy->mime_type = g_strdup (part->mime_type);
  copy->data = g_strdup (part->data);
  copy->url = g_strdup (part->url);
  copy->filename = g_strdup (part->filename);
  copy->id = g_strdup (part->id);
  copy->name = g_strdup (part->name);
  copy->arguments = g_strdup (part->arguments);
  copy->tool_call_id = g_strdup (part->tool_call_id);
  copy->is_error = part->is_error;
  copy->signature = g_strdup (part->signature);
  copy->redacted = part->redacted;
  if (part->content != NULL)
    {
      guint i;

      copy->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
      for (i = 0; i < part->content->len; i++)
        g_ptr_array_add (copy->content, sy_ir_part_copy (g_ptr_array_index (part->content, i)));
    }
  return copy;
}

void
sy_ir_part_free (SyIrPart *part)
{
  if (part == NULL)
    return;
  g_free (part->text);
  g_free (part->mime_type);
  g_free (part->data);
  g_free (part->url);
  g_free (part->filename);
  g_free (part->id);
  g_free (part->name);
  g_free (part->arguments);
  g_free (part->tool_call_id);
  g_clear_pointer (&part->content, g_ptr_array_unref);
  g_free (part->signature);
  g_free (part);
}

gboolean
sy_ir_parse_data_url (const char *url,
                      char      **mime_type,
                      char      **data)
{
  const char *comma;
  const char *semi;

  if (url == NULL || !g_str_has_prefix (url, "data:"))
    return FALSE;
  comma = strchr (url, ',');
  if (comma == NULL)
    return FALSE;
  semi = memchr (url + 5, ';', comma - (url + 5));
  if (semi == NULL || strncmp (semi, ";base64", 7) != 0)
    return FALSE;
  if (mime_type)
    *mime_type = semi > url + 5 ? g_strndup (url + 5, semi - (url + 5)) : g_strdup ("application/octet-stream");
  if (data)
    *data = g_strdup (comma + 1);
  return TRUE;
}

char *
sy_ir_make_data_url (const char *mime_type,
                     const char *data)
{
  return g_strconcat ("data:", mime_type ? mime_type : "application/octet-stream",
                      ";base64,", data ? data : "", NULL);
}

char *
sy_ir_parts_text (GPtrArray  *parts,
                  const char *separator)
{
  GString *out = g_string_new (NULL);
  gboolean first = TRUE;
  guint i;

  for (i = 0; parts != NULL && i < parts->len; i++)
    {
      SyIrPart *part = g_ptr_array_index (parts, i);

      if (part->type != SY_IR_PART_TEXT || part->text == NULL)
        continue;
      if (!first && separator != NULL)
        g_string_append (out, separator);
      g_string_append (out, part->text);
      first = FALSE;
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------- messages */

SyIrMessage *
sy_ir_message_new (SyIrRole role)
{
  SyIrMessage *message = g_new0 (SyIrMessage, 1);

  message->role = role;
  message->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  return message;
}

void
sy_ir_message_free (SyIrMessage *message)
{
  if (message == NULL)
    return;
  g_ptr_array_unref (message->parts);
  g_free (message);
}

void
sy_ir_message_add (SyIrMessage *message,
                   SyIrPart    *part)
{
  g_ptr_array_add (message->parts, part);
}

/* ---------------------------------------------------------------- tools */

SyIrTool *
sy_ir_tool_new (SyIrToolType type)
{
  SyIrTool *tool = g_new0 (SyIrTool, 1);

  tool->type = type;
  tool->strict = -1;
  return tool;
}

void
sy_ir_tool_free (SyIrTool *tool)
{
  if (tool == NULL)
    return;
  g_free (tool->name);
  g_free (tool->description);
  g_clear_pointer (&tool->parameters, json_node_unref);
  g_clear_pointer (&tool->raw, json_node_unref);
  g_free (tool);
}

/* ------------------------------------------------------------ reasoning */

static const char * const level_names[] = {
  [SY_IR_LEVEL_NONE] = "none",
  [SY_IR_LEVEL_MINIMAL] = "minimal",
  [SY_IR_LEVEL_LOW] = "low",
  [SY_IR_LEVEL_MEDIUM] = "medium",
  [SY_IR_LEVEL_HIGH] = "high",
  [SY_IR_LEVEL_XHIGH] = "xhigh",
  [SY_IR_LEVEL_MAX] = "max",
};

static const gint64 level_budgets[] = {
  [SY_IR_LEVEL_NONE] = 0,
  [SY_IR_LEVEL_MINIMAL] = 512,
  [SY_IR_LEVEL_LOW] = 1024,
  [SY_IR_LEVEL_MEDIUM] = 8192,
  [SY_IR_LEVEL_HIGH] = 24576,
  [SY_IR_LEVEL_XHIGH] = 32768,
  [SY_IR_LEVEL_MAX] = 128000,
};

const char *
sy_ir_level_to_string (SyIrLevel level)
{
  if ((guint) level >= G_N_ELEMENTS (level_names))
    return "medium";
  return level_names[level];
}

gboolean
sy_ir_level_from_string (const char *text,
                         SyIrLevel  *level)
{
  guint i;

  if (text == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (g_ascii_strcasecmp (text, level_names[i]) == 0)
      {
        *level = (SyIrLevel) i;
        return TRUE;
      }
  return FALSE;
}

gint64
sy_ir_level_to_budget (SyIrLevel level)
{
  if ((guint) level >= G_N_ELEMENTS (level_budgets))
    return level_budgets[SY_IR_LEVEL_MEDIUM];
  return level_budgets[level];
}

SyIrLevel
sy_ir_budget_to_level (gint64 budget)
{
  if (budget <= 0)
    return SY_IR_LEVEL_NONE;
  if (budget <= 512)
    return SY_IR_LEVEL_MINIMAL;
  if (budget <= 1024)
    return SY_IR_LEVEL_LOW;
  if (budget <= 8192)
    return SY_IR_LEVEL_MEDIUM;
  if (budget <= 24576)
    return SY_IR_LEVEL_HIGH;
  return SY_IR_LEVEL_XHIGH;
}

/* ------------------------------------------------------------- requests */

SyIrRequest *
sy_ir_request_new (void)
{
  SyIrRequest *request = g_new0 (SyIrRequest, 1);

  request->system = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  request->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_message_free);
  request->tools = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_tool_free);
  request->parallel_tool_calls = -1;
  request->max_tokens = SY_IR_UNSET;
  request->top_k = SY_IR_UNSET;
  request->seed = SY_IR_UNSET;
  request->n = SY_IR_UNSET;
  request->top_logprobs = SY_IR_UNSET;
  request->response_schema_strict = -1;
  request->reasoning.include_thoughts = -1;
  request->reasoning.budget = SY_IR_UNSET;
  return request;
}

void
sy_ir_request_free (SyIrRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->model);
  g_ptr_array_unref (request->system);
  g_ptr_array_unref (request->messages);
  g_ptr_array_unref (request->tools);
  g_free (request->tool_choice_name);
  g_clear_pointer (&request->stop, g_ptr_array_unref);
  g_free (request->response_schema_name);
  g_clear_pointer (&request->response_schema, json_node_unref);
  g_free (request->reasoning.summary);
  g_free (request->user);
  g_free (request);
}

SyIrMessage *
sy_ir_request_add_message (SyIrRequest *request,
                           SyIrRole     role)
{
  SyIrMessage *message = sy_ir_message_new (role);

  g_ptr_array_add (request->messages, message);
  return message;
}

SyIrMessage *
sy_ir_request_tail (SyIrRequest *request,
                    SyIrRole     role)
{
  if (request->messages->len > 0)
    {
      SyIrMessage *last = g_ptr_array_index (request->messages, request->messages->len - 1);

      if (last->role == role)
        return last;
    }
  return sy_ir_request_add_message (request, role);
}

const char *
sy_ir_request_find_call_name (const SyIrRequest *request,
                              const char        *tool_call_id)
{
  guint i, j;

  if (tool_call_id == NULL)
    return NULL;
  for (i = request->messages->len; i > 0; i--)
    {
      SyIrMessage *message = g_ptr_array_index (request->messages, i - 1);

      for (j = 0; j < message->parts->len; j++)
        {
          SyIrPart *part = g_ptr_array_index (message->parts, j);

          if (part->type == SY_IR_PART_TOOL_CALL && g_strcmp0 (part->id, tool_call_id) == 0)
            return part->name;
        }
    }
  return NULL;
}

/* ------------------------------------------------------------ responses */

void
sy_ir_usage_init (SyIrUsage *usage)
{
  usage->input_tokens = SY_IR_UNSET;
  usage->output_tokens = SY_IR_UNSET;
  usage->total_tokens = SY_IR_UNSET;
  usage->cached_tokens = SY_IR_UNSET;
  usage->cache_creation_tokens = SY_IR_UNSET;
  usage->reasoning_tokens = SY_IR_UNSET;
}

gint64
sy_ir_tokens (gint64 count)
{
  return CLAMP (count, 0, SY_IR_TOKENS_MAX);
}

gboolean
sy_ir_int_from_double (double  d,
                       gint64 *value)
{
  /* -2^63 and 2^63 are exact doubles; NaN fails both comparisons. */
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc (d))
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}

gboolean
sy_ir_usage_is_set (const SyIrUsage *usage)
{
  return usage->input_tokens != SY_IR_UNSET || usage->output_tokens != SY_IR_UNSET ||
         usage->total_tokens != SY_IR_UNSET || usage->cached_tokens != SY_IR_UNSET ||
         usage->cache_creation_tokens != SY_IR_UNSET || usage->reasoning_tokens != SY_IR_UNSET;
}

void
sy_ir_usage_merge (SyIrUsage       *into,
                   const SyIrUsage *from)
{
#define MERGE(f) if (from->f != SY_IR_UNSET) into->f = from->f
  MERGE (input_tokens);
  MERGE (output_tokens);
  MERGE (total_tokens);
  MERGE (cached_tokens);
  MERGE (cache_creation_tokens);
  MERGE (reasoning_tokens);
#undef MERGE
}

SyIrResponse *
sy_ir_response_new (void)
{
  SyIrResponse *response = g_new0 (SyIrResponse, 1);

  response->created = SY_IR_UNSET;
  response->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  sy_ir_usage_init (&response->usage);
  return response;
}

void
sy_ir_response_free (SyIrResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->id);
  g_free (response->model);
  g_ptr_array_unref (response->parts);
  g_free (response->native_finish);
  g_free (response->stop_sequence);
  g_free (response);
}

/* -------------------------------------------------------------- streams */

void
sy_ir_event_init (SyIrEvent     *event,
                  SyIrEventType  type)
{
  memset (event, 0, sizeof *event);
  event->type = type;
  event->created = SY_IR_UNSET;
  sy_ir_usage_init (&event->usage);
}

static void
string_free (gpointer string)
{
  g_string_free (string, TRUE);
}

struct _SyIrCollector
{
  SyIrResponse *response;
  GHashTable   *calls;          /* index -> SyIrPart* (borrowed from response->parts) */
  GHashTable   *call_args;      /* index -> GString* */
  SyIrPart     *open;           /* the TEXT or THINKING part being extended */
  gsize         open_len;       /* strlen (open->text) */
  gsize         open_size;      /* bytes allocated for open->text */
  gboolean      failed;
  guint         error_status;
  char         *error_message;
};

SyIrCollector *
sy_ir_collector_new (void)
{
  SyIrCollector *collector = g_new0 (SyIrCollector, 1);

  collector->response = sy_ir_response_new ();
  collector->calls = g_hash_table_new (NULL, NULL);
  collector->call_args = g_hash_table_new_full (NULL, NULL, NULL, string_free);
  return collector;
}

void
sy_ir_collector_free (SyIrCollector *collector)
{
  if (collector == NULL)
    return;
  sy_ir_response_free (collector->response);
  g_hash_table_unref (collector->calls);
  g_hash_table_unref (collector->call_args);
  g_free (collector->error_message);
  g_free (collector);
}

static SyIrPart *
collector_open (SyIrCollector *collector,
                SyIrPartType   type)
{
  if (collector->open == NULL || collector->open->type != type)
    {
      collector->open = sy_ir_part_new (type);
      collector->open->text = g_strdup ("");
      collector->open_len = 0;
      collector->open_size = 1;
      g_ptr_array_add (collector->response->parts, collector->open);
    }
  return collector->open;
}

/* The open part's length is kept and its buffer grows by doubling: a long
 * answer comes in thousands of deltas, and a strlen and an exact realloc
 * per delta made collecting it quadratic. */
static void
collector_append (SyIrCollector *collector,
                  SyIrPartType   type,
                  const char    *text,
                  gsize          len)
{
  SyIrPart *part = collector_open (collector, type);

  if (collector->open_len + len + 1 > collector->open_size)
    {
      collector->open_size = MAX (collector->open_size * 2, collector->open_len + len + 1);
      part->text = g_realloc (part->text, collector->open_size);
    }
  memcpy (part->text + collector->open_len, text, len);
  collector->open_len += len;
  part->text[collector->open_len] = '\0';
}

static void
close_call (SyIrCollector *collector,
            guint          index)
{
  SyIrPart *call = g_hash_table_lookup (collector->calls, GUINT_TO_POINTER (index));
  GString *args = g_hash_table_lookup (collector->call_args, GUINT_TO_POINTER (index));

  if (call == NULL || args == NULL)
    return;
  g_free (call->arguments);
  call->arguments = g_strdup (args->len > 0 ? args->str : "{}");
  g_hash_table_remove (collector->call_args, GUINT_TO_POINTER (index));
}

void
sy_ir_collector_add (const SyIrEvent *event,
                     gpointer         user_data)
{
  SyIrCollector *collector = user_data;
  SyIrResponse *response = collector->response;
  gsize len;

  if (collector->failed)
    return;

  switch (event->type)
    {
    case SY_IR_EVENT_START:
      if (event->id && response->id == NULL)
        response->id = g_strdup (event->id);
      if (event->model && response->model == NULL)
        response->model = g_strdup (event->model);
      if (event->created != SY_IR_UNSET && response->created == SY_IR_UNSET)
        response->created = event->created;
      break;

    case SY_IR_EVENT_TEXT:
    case SY_IR_EVENT_THINKING:
      if (event->text == NULL)
        break;
      len = event->text_len ? event->text_len : strlen (event->text);
      collector_append (collector, event->type == SY_IR_EVENT_TEXT ? SY_IR_PART_TEXT : SY_IR_PART_THINKING,
                        event->text, len);
      break;

    case SY_IR_EVENT_SIGNATURE:
      {
        SyIrPart *part = collector_open (collector, SY_IR_PART_THINKING);

        g_free (part->signature);
        part->signature = g_strdup (event->signature);
        collector->open = NULL;   /* a signature closes its thinking block */
      }
      break;

    case SY_IR_EVENT_REDACTED_THINKING:
      {
        SyIrPart *part = sy_ir_part_new (SY_IR_PART_THINKING);

        part->redacted = TRUE;
        part->data = g_strdup (event->data);
        g_ptr_array_add (response->parts, part);
        collector->open = NULL;
      }
      break;

    case SY_IR_EVENT_TOOL_CALL_START:
      {
        SyIrPart *part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);

        part->id = g_strdup (event->id);
        part->name = g_strdup (event->name);
        part->signature = g_strdup (event->signature);
        part->arguments = g_strdup ("{}");
        g_ptr_array_add (response->parts, part);
        g_hash_table_insert (collector->calls, GUINT_TO_POINTER (event->index), part);
        g_hash_table_insert (collector->call_args, GUINT_TO_POINTER (event->index), g_string_new (NULL));
        collector->open = NULL;
      }
      break;

    case SY_IR_EVENT_TOOL_CALL_DELTA:
      {
        GString *args = g_hash_table_lookup (collector->call_args, GUINT_TO_POINTER (event->index));

        if (args != NULL && event->text != NULL)
          g_string_append_len (args, event->text, event->text_len ? (gssize) event->text_len
                                                                  : (gssize) strlen (event->text));
      }
      break;

    case SY_IR_EVENT_TOOL_CALL_END:
      close_call (collector, event->index);
      break;

    case SY_IR_EVENT_IMAGE:
      {
        SyIrPart *part = sy_ir_part_new (SY_IR_PART_IMAGE);

        part->mime_type = g_strdup (event->mime_type);
        part->data = g_strdup (event->data);
        g_ptr_array_add (response->parts, part);
        collector->open = NULL;
      }
      break;

    case SY_IR_EVENT_USAGE:
      sy_ir_usage_merge (&response->usage, &event->usage);
      break;

    case SY_IR_EVENT_FINISH:
      response->finish = event->finish;
      g_free (response->native_finish);
      response->native_finish = g_strdup (event->native_finish);
      g_free (response->stop_sequence);
      response->stop_sequence = g_strdup (event->stop_sequence);
      break;

    case SY_IR_EVENT_ERROR:
      collector->failed = TRUE;
      collector->error_status = event->status;
      collector->error_message = g_strdup (event->text ? event->text : "upstream error");
      break;

    default:
      break;
    }
}

SyIrResponse *
sy_ir_collector_finish (SyIrCollector *collector,
                        guint         *error_status,
                        GError       **error)
{
  GHashTableIter iter;
  gpointer key;

  if (collector->failed)
    {
      if (error_status)
        *error_status = collector->error_status;
      g_set_error_literal (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM,
                           collector->error_message);
      return NULL;
    }

  /* Calls the stream never closed keep what arrived. */
  g_hash_table_iter_init (&iter, collector->call_args);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      SyIrPart *call = g_hash_table_lookup (collector->calls, key);
      GString *args = g_hash_table_lookup (collector->call_args, key);

      if (call != NULL && args->len > 0)
        {
          g_free (call->arguments);
          call->arguments = g_strdup (args->str);
        }
    }
  g_hash_table_remove_all (collector->call_args);

  if (collector->response->finish == SY_IR_FINISH_UNSET)
    collector->response->finish = SY_IR_FINISH_STOP;
  return g_steal_pointer (&collector->response);
}

void
sy_ir_response_emit (const SyIrResponse *response,
                     SyIrEmitFunc        emit,
                     gpointer            user_data)
{
  SyIrEvent event;
  guint calls = 0;
  guint i;

  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = response->id;
  event.model = response->model;
  event.created = response->created;
  emit (&event, user_data);

  for (i = 0; i < response->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (response->parts, i);

      switch (part->type)
        {
        case SY_IR_PART_TEXT:
          sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
          event.text = part->text ? part->text : "";
          event.text_len = strlen (event.text);
          emit (&event, user_data);
          break;

        case SY_IR_PART_THINKING:
          if (part->redacted)
            {
              sy_ir_event_init (&event, SY_IR_EVENT_REDACTED_THINKING);
              event.data = part->data;
              emit (&event, user_data);
              break;
            }
          sy_ir_event_init (&event, SY_IR_EVENT_THINKING);
          event.text = part->text ? part->text : "";
          event.text_len = strlen (event.text);
          emit (&event, user_data);
          if (part->signature != NULL)
            {
              sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
              event.signature = part->signature;
              emit (&event, user_data);
            }
          break;

        case SY_IR_PART_TOOL_CALL:
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
          event.index = calls;
          event.id = part->id;
          event.name = part->name;
          event.signature = part->signature;
          emit (&event, user_data);
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
          event.index = calls;
          event.text = part->arguments ? part->arguments : "{}";
          event.text_len = strlen (event.text);
          emit (&event, user_data);
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
          event.index = calls;
          emit (&event, user_data);
          calls++;
          break;

        case SY_IR_PART_IMAGE:
          sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
          event.mime_type = part->mime_type;
          event.data = part->data;
          emit (&event, user_data);
          break;

        default:
          break;
        }
    }

  if (sy_ir_usage_is_set (&response->usage))
    {
      sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
      event.usage = response->usage;
      emit (&event, user_data);
    }

  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = response->finish != SY_IR_FINISH_UNSET ? response->finish : SY_IR_FINISH_STOP;
  event.native_finish = response->native_finish;
  event.stop_sequence = response->stop_sequence;
  emit (&event, user_data);
}

/* ----------------------------------------------------------- signatures */

static const char * const families[] = { "claude", "gemini", "openai" };

static const char *
signature_family (const char *wrapped,
                  gsize      *prefix_len)
{
  guint i;

  if (wrapped == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (families); i++)
    {
      gsize n = strlen (families[i]);

      if (strncmp (wrapped, families[i], n) == 0 && wrapped[n] == '#')
        {
          if (prefix_len)
            *prefix_len = n + 1;
          return families[i];
        }
    }
  return NULL;
}

char *
sy_ir_signature_wrap (const char *family,
                      const char *signature)
{
  if (signature == NULL)
    return NULL;
  return g_strconcat (family, "#", signature, NULL);
}

const char *
sy_ir_signature_for (const char *wrapped,
                     const char *family)
{
  gsize prefix = 0;
  const char *owner = signature_family (wrapped, &prefix);

  if (owner == NULL || strcmp (owner, family) != 0)
    return NULL;
  return wrapped + prefix;
}

char *
sy_ir_signature_export (const char *wrapped,
                        const char *family)
{
  const char *bare = sy_ir_signature_for (wrapped, family);

  if (wrapped == NULL)
    return NULL;
  return g_strdup (bare ? bare : wrapped);
}

char *
sy_ir_signature_import (const char *field_value,
                        const char *family)
{
  if (field_value == NULL)
    return NULL;
  if (signature_family (field_value, NULL) != NULL)
    return g_strdup (field_value);
  return sy_ir_signature_wrap (family, field_value);
}

/* --------------------------------------------------------------- debug */

static void
set_opt_string (JsonObject *object,
                const char *member,
                const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
}

static void
set_opt_int (JsonObject *object,
             const char *member,
             gint64      value)
{
  if (value != SY_IR_UNSET)
    json_object_set_int_member (object, member, value);
}

static void
set_opt_tristate (JsonObject *object,
                  const char *member,
                  int         value)
{
  if (value >= 0)
    json_object_set_boolean_member (object, member, value != 0);
}

static const char * const part_types[] = {
  "text", "image", "document", "audio", "tool_call", "tool_result", "thinking",
};

static JsonNode *parts_to_json (GPtrArray *parts);

static JsonNode *
part_to_json (const SyIrPart *part)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "type", part_types[part->type]);
  set_opt_string (object, "text", part->text);
  set_opt_string (object, "mime_type", part->mime_type);
  set_opt_string (object, "data", part->data);
  set_opt_string (object, "url", part->url);
  set_opt_string (object, "filename", part->filename);
  set_opt_string (object, "id", part->id);
  set_opt_string (object, "name", part->name);
  set_opt_string (object, "tool_call_id", part->tool_call_id);
  set_opt_string (object, "signature", part->signature);
  if (part->arguments != NULL)
    {
      /* Arguments compare as JSON, not as text. */
      JsonNode *args = sy_json_parse (part->arguments, -1, NULL);

      if (args != NULL)
        json_object_set_member (object, "arguments", args);
      else
        json_object_set_string_member (object, "arguments", part->arguments);
    }
  if (part->content != NULL)
    json_object_set_member (object, "content", parts_to_json (part->content));
  if (part->is_error)
    json_object_set_boolean_member (object, "is_error", TRUE);
  if (part->redacted)
    json_object_set_boolean_member (object, "redacted", TRUE);
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
parts_to_json (GPtrArray *parts)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  guint i;

  for (i = 0; parts != NULL && i < parts->len; i++)
    json_array_add_element (array, part_to_json (g_ptr_array_index (parts, i)));
  json_node_take_array (node, array);
  return node;
}

static const char * const tool_types[] = {
  "function", "web_search", "code_execution", "url_context", "other",
};

static const char * const tool_choices[] = {
  "unset", "auto", "none", "required", "named",
};

static const char * const reasoning_modes[] = {
  "unset", "none", "auto", "level", "budget",
};

static const char * const response_formats[] = {
  "unset", "text", "json_object", "json_schema",
};

JsonNode *
sy_ir_request_to_json (const SyIrRequest *request)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonArray *messages = json_array_new ();
  JsonArray *tools = json_array_new ();
  JsonObject *reasoning = json_object_new ();
  guint i;

  set_opt_string (object, "model", request->model);
  json_object_set_boolean_member (object, "stream", request->stream);
  json_object_set_member (object, "system", parts_to_json (request->system));
  for (i = 0; i < request->messages->len; i++)
    {
      SyIrMessage *message = g_ptr_array_index (request->messages, i);
      JsonObject *m = json_object_new ();

      json_object_set_string_member (m, "role", message->role == SY_IR_ROLE_USER ? "user" : "assistant");
      json_object_set_member (m, "parts", parts_to_json (message->parts));
      json_array_add_object_element (messages, m);
    }
  json_object_set_array_member (object, "messages", messages);
  for (i = 0; i < request->tools->len; i++)
    {
      SyIrTool *tool = g_ptr_array_index (request->tools, i);
      JsonObject *t = json_object_new ();

      json_object_set_string_member (t, "type", tool_types[tool->type]);
      set_opt_string (t, "name", tool->name);
      set_opt_string (t, "description", tool->description);
      if (tool->parameters)
        json_object_set_member (t, "parameters", json_node_copy (tool->parameters));
      set_opt_tristate (t, "strict", tool->strict);
      if (tool->raw)
        json_object_set_member (t, "raw", json_node_copy (tool->raw));
      json_array_add_object_element (tools, t);
    }
  json_object_set_array_member (object, "tools", tools);
  json_object_set_string_member (object, "tool_choice", tool_choices[request->tool_choice]);
  set_opt_string (object, "tool_choice_name", request->tool_choice_name);
  set_opt_tristate (object, "parallel_tool_calls", request->parallel_tool_calls);
  set_opt_int (object, "max_tokens", request->max_tokens);
  if (request->has_temperature)
    json_object_set_double_member (object, "temperature", request->temperature);
  if (request->has_top_p)
    json_object_set_double_member (object, "top_p", request->top_p);
  set_opt_int (object, "top_k", request->top_k);
  if (request->stop != NULL)
    {
      JsonArray *stop = json_array_new ();

      for (i = 0; i < request->stop->len; i++)
        json_array_add_string_element (stop, g_ptr_array_index (request->stop, i));
      json_object_set_array_member (object, "stop", stop);
    }
  set_opt_int (object, "seed", request->seed);
  if (request->has_presence_penalty)
    json_object_set_double_member (object, "presence_penalty", request->presence_penalty);
  if (request->has_frequency_penalty)
    json_object_set_double_member (object, "frequency_penalty", request->frequency_penalty);
  set_opt_int (object, "n", request->n);
  if (request->logprobs)
    json_object_set_boolean_member (object, "logprobs", TRUE);
  set_opt_int (object, "top_logprobs", request->top_logprobs);
  json_object_set_string_member (object, "response_format", response_formats[request->response_format]);
  set_opt_string (object, "response_schema_name", request->response_schema_name);
  if (request->response_schema)
    json_object_set_member (object, "response_schema", json_node_copy (request->response_schema));
  set_opt_tristate (object, "response_schema_strict", request->response_schema_strict);
  json_object_set_string_member (reasoning, "mode", reasoning_modes[request->reasoning.mode]);
  if (request->reasoning.mode == SY_IR_REASONING_LEVEL)
    json_object_set_string_member (reasoning, "level", sy_ir_level_to_string (request->reasoning.level));
  if (request->reasoning.mode == SY_IR_REASONING_BUDGET)
    json_object_set_int_member (reasoning, "budget", request->reasoning.budget);
  set_opt_tristate (reasoning, "include_thoughts", request->reasoning.include_thoughts);
  set_opt_string (reasoning, "summary", request->reasoning.summary);
  json_object_set_object_member (object, "reasoning", reasoning);
  if (request->include_usage)
    json_object_set_boolean_member (object, "include_usage", TRUE);
  set_opt_string (object, "user", request->user);
  json_node_take_object (node, object);
  return node;
}

static const char * const finishes[] = {
  "unset", "stop", "length", "tool_calls", "stop_sequence", "content_filter", "error",
};

static JsonObject *
usage_to_json (const SyIrUsage *usage)
{
  JsonObject *object = json_object_new ();

  set_opt_int (object, "input_tokens", usage->input_tokens);
  set_opt_int (object, "output_tokens", usage->output_tokens);
  set_opt_int (object, "total_tokens", usage->total_tokens);
  set_opt_int (object, "cached_tokens", usage->cached_tokens);
  set_opt_int (object, "cache_creation_tokens", usage->cache_creation_tokens);
  set_opt_int (object, "reasoning_tokens", usage->reasoning_tokens);
  return object;
}

JsonNode *
sy_ir_response_to_json (const SyIrResponse *response)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  set_opt_string (object, "id", response->id);
  set_opt_string (object, "model", response->model);
  set_opt_int (object, "created", response->created);
  json_object_set_member (object, "parts", parts_to_json (response->parts));
  json_object_set_string_member (object, "finish", finishes[response->finish]);
  set_opt_string (object, "stop_sequence", response->stop_sequence);
  json_object_set_object_member (object, "usage", usage_to_json (&response->usage));
  json_node_take_object (node, object);
  return node;
}

static const char * const event_types[] = {
  "start", "text", "thinking", "signature", "redacted_thinking", "tool_call_start",
  "tool_call_delta", "tool_call_end", "image", "usage", "finish", "error",
};

JsonNode *
sy_ir_event_to_json (const SyIrEvent *event)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "type", event_types[event->type]);
  set_opt_string (object, "id", event->id);
  set_opt_string (object, "model", event->model);
  set_opt_int (object, "created", event->created);
  if (event->text != NULL)
    {
      g_autofree char *text = g_strndup (event->text, event->text_len ? event->text_len : strlen (event->text));
      json_object_set_string_member (object, "text", text);
    }
  set_opt_string (object, "signature", event->signature);
  set_opt_string (object, "data", event->data);
  set_opt_string (object, "mime_type", event->mime_type);
  if (event->type >= SY_IR_EVENT_TOOL_CALL_START && event->type <= SY_IR_EVENT_TOOL_CALL_END)
    json_object_set_int_member (object, "index", event->index);
  set_opt_string (object, "name", event->name);
  if (event->type == SY_IR_EVENT_USAGE)
    json_object_set_object_member (object, "usage", usage_to_json (&event->usage));
  if (event->type == SY_IR_EVENT_FINISH)
    json_object_set_string_member (object, "finish", finishes[event->finish]);
  set_opt_string (object, "stop_sequence", event->stop_sequence);
  if (event->status)
    json_object_set_int_member (object, "status", event->status);
  set_opt_string (object, "error_type", event->error_type);
  json_node_take_object (node, object);
  return node;
}
