/* placeholder until the codec is written */
#include "config.h"
#include "sy-codec.h"

static const SyCodec codec = { .format = SY_FORMAT_GEMINI };

const SyCodec *
sy_codec_gemini (void)
{
  return &codec;
}
