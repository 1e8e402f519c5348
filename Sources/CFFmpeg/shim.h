#ifndef TBD_CFFMPEG_SHIM_H
#define TBD_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/sha.h>

// AVERROR and the error-string macro are function-like macros, which Swift does not import.
static inline int tbd_averror(int posix_code) { return AVERROR(posix_code); }
static inline int tbd_averror_eof(void) { return AVERROR_EOF; }
static inline int tbd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline void tbd_av_error_string(int code, char *buffer, size_t size) { av_strerror(code, buffer, size); }

static inline int tbd_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }

// AV_NOPTS_VALUE is a cast expression, which Swift does not import.
static inline int64_t tbd_nopts_value(void) { return AV_NOPTS_VALUE; }

// AVFrame's plane arrays arrive in Swift as fixed-size tuples; these hand them over as plain pointers,
// the shape sws_scale and the copy loops want.
static inline uint8_t **tbd_frame_planes(AVFrame *frame) { return frame->data; }
static inline int *tbd_frame_strides(AVFrame *frame) { return frame->linesize; }
#endif
