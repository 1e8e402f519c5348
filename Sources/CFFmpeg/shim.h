#ifndef TBD_CFFMPEG_SHIM_H
#define TBD_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>

// AVERROR and the error-string macro are function-like macros, which Swift does not import.
static inline int tbd_averror(int posix_code) { return AVERROR(posix_code); }
static inline int tbd_averror_eof(void) { return AVERROR_EOF; }
static inline int tbd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline void tbd_av_error_string(int code, char *buffer, size_t size) { av_strerror(code, buffer, size); }
#endif
