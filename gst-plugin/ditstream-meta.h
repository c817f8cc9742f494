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

/* Hidden from g-ir-scanner, whose dump program would register the meta API before gst_init. */
#ifndef __GI_SCANNER__
GType ditstream_frame_meta_api_get_type(void);
const GstMetaInfo* ditstream_frame_meta_get_info(void);
#define DITSTREAM_FRAME_META_API_TYPE (ditstream_frame_meta_api_get_type())
#endif

/**
 * ditstream_buffer_add_frame_meta:
 * @buffer: a writable buffer
 * @prompt_id: the prompt that produced the frame
 * @transition_weight: 0 for the previous prompt, 1 for @prompt_id's
 * @frame_index: the index of the generated frame
 *
 * Returns: (transfer none): the metadata added to @buffer
 */
DitstreamFrameMeta* ditstream_buffer_add_frame_meta(GstBuffer* buffer, gint64 prompt_id,
                                                    gdouble transition_weight, gint64 frame_index);
/**
 * ditstream_buffer_get_frame_meta:
 * @buffer: a buffer from ditstreamsrc
 *
 * Returns: (transfer none) (nullable): the frame's metadata, or %NULL when it has none
 */
DitstreamFrameMeta* ditstream_buffer_get_frame_meta(GstBuffer* buffer);

G_END_DECLS

#endif /* DITSTREAM_META_H */
