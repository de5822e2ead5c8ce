/* fake-upstream.h: a real HTTP upstream on 127.0.0.1 for tests
 *
 * It speaks the Claude, OpenAI chat, OpenAI Responses and Gemini wire
 * formats. What it does is chosen by the model name it receives:
 *   "fail-NNN"     answer status NNN with an error body in the format
 *   "slow-stream"  20 events, one every 100 ms
 *   "big-stream"   many events, as fast as possible (FAKE_BIG_STREAM_BYTES)
 *   "stall"        headers, then nothing
 *   "drop"         two events, then the connection is cut
 *   "json-stream"  a stream request answered with plain JSON
 *   "tool-call…"   a call of the first tool the request declares (arguments
 *                  {"city":"Paris"}, or {} if its schema has no "city"); once
 *                  the request holds a tool result: "tool said: <result>"
 *   "vision…"      "saw image <mime>/<decoded bytes>" for the first inline
 *                  image of the request, or "saw no image"
 *   "think…"       reasoning, then text (signatures "sig-claude-1" and
 *                  "sig-gemini-1", Responses encrypted_content "enc-1",
 *                  chat reasoning_content)
 *   anything else  a normal answer echoing the model
 *
 * The scripted answers ("tool-call", "vision", "think") stream, when asked
 * to, as the real APIs do, event by event; an OpenAI chat stream ends with a
 * usage chunk only when the request has stream_options.include_usage.
 *
 * Scripted answers come before all that: fake_upstream_script() queues one
 * answer (status, optional Retry-After header, body; NULL body = the
 * format's error body) for the next request for @model, from the account
 * whose key is @key (NULL: any). fake_upstream_count_key() says how many
 * requests came with a key (x-api-key, x-goog-api-key or Bearer).
 *
 * GET /_fake/last answers {"n_requests","method","path","query","body"}
 * of the last request (for tests that run the fake upstream as a process),
 * GET /_fake/requests [{"method","path","model","stream","body"}] of every
 * API request so far.
 * POST /_fake/tool-args {"Name": {arguments}, ...}: "tool-call…" calls the
 * first declared tool named there with those arguments instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define FAKE_STREAM_EVENTS     20
#define FAKE_BIG_STREAM_BYTES  (24 * 1024 * 1024)

typedef struct
{
  char               *method;
  char               *path;
  char               *query;
  SoupMessageHeaders *headers;
  GBytes             *body;
} FakeRequest;

typedef struct _FakeUpstream FakeUpstream;

FakeUpstream      *fake_upstream_new             (void);
void               fake_upstream_free            (FakeUpstream *self);
const char        *fake_upstream_get_url         (FakeUpstream *self);
guint              fake_upstream_get_port        (FakeUpstream *self);
guint              fake_upstream_get_n_requests  (FakeUpstream *self);
const FakeRequest *fake_upstream_get_last        (FakeUpstream *self);
guint              fake_upstream_get_n_aborted   (FakeUpstream *self);
guint              fake_upstream_get_n_streaming (FakeUpstream *self);
guint64            fake_upstream_get_bytes_sent  (FakeUpstream *self);
void               fake_upstream_reset           (FakeUpstream *self);
void               fake_upstream_script          (FakeUpstream *self,
                                                  const char   *model,
                                                  const char   *key,
                                                  guint         status,
                                                  const char   *retry_after,
                                                  const char   *body);
/* ...with its own content type (a stream: "text/event-stream"). */
void               fake_upstream_script_full     (FakeUpstream *self,
                                                  const char   *model,
                                                  const char   *key,
                                                  guint         status,
                                                  const char   *retry_after,
                                                  const char   *content_type,
                                                  const char   *body);
guint              fake_upstream_get_n_scripted  (FakeUpstream *self);
/* More routes on the same server (a fake sign-in service, say). */
void               fake_upstream_add_handler     (FakeUpstream      *self,
                                                  const char        *path,
                                                  SoupServerCallback callback,
                                                  gpointer           user_data);
guint              fake_upstream_count_key       (FakeUpstream *self,
                                                  const char   *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeUpstream, fake_upstream_free)

G_END_DECLS
