/* placeholder until the codec is written */
#include "config.h"
#include "sy-codec.h"

static const SyCodec codec = { .format = SY_FORMAT_OPENAI };

const SyCodec *
sy_codec_openai (void)
{
  return &codec;
}
