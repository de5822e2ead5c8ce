/* placeholder until the codec is written */
#include "config.h"
#include "sy-codec.h"

static const SyCodec codec = { .format = SY_FORMAT_GEMINI_CLI };

const SyCodec *
sy_codec_gemini_cli (void)
{
  return &codec;
}
