/* placeholder until the codec is written */
#include "config.h"
#include "sy-codec.h"

static const SyCodec codec = { .format = SY_FORMAT_OPENAI_RESPONSES };

const SyCodec *
sy_codec_responses (void)
{
  return &codec;
}
