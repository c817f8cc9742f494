/* Public C API of the per-buffer metadata ditstreamsrc attaches to every frame. */
#ifndef DITSTREAM_META_H
#define DITSTREAM_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Per-buffer metadata: the prompt that produced the frame. */
typedef struct {
  GstMeta meta;
  gint64 prompt_id;
  gdouble transition_weight; /* 0: previous prompt, 1: prompt_id's prompt */
  gint64 frame_index;        /* index of the generated frame */
} DitstreamFrameMeta;

GType ditstream_frame_meta_api_get_type(void);
const GstMetaInfo* ditstream_frame_meta_get_info(void);
#define DITSTREAM_FRAME_META_API_TYPE (ditstream_frame_meta_api_get_type())

DitstreamFrameMeta* ditstream_buffer_add_frame_meta(GstBuffer* buffer, gint64 prompt_id,
                                                    gdouble transition_weight, gint64 frame_index);
DitstreamFrameMeta* ditstream_buffer_get_frame_meta(GstBuffer* buffer);

G_END_DECLS

#endif /* DITSTREAM_META_H */
