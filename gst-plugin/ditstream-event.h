/* Public C API of the ditstreamsrc control event and its per-buffer metadata. */
#ifndef DITSTREAM_EVENT_H
#define DITSTREAM_EVENT_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Name of the custom upstream event structure. Fields (all but "prompt" optional):
 *   prompt             (string)  the new prompt text
 *   negative-prompt    (string)
 *   subject-words      (string)  comma-separated words for mask-guided KV-sharing
 *   frame              (gint64)  first video frame the prompt applies to
 *   running-time       (guint64) running time the prompt applies from (instead of frame)
 *   transition-windows (gint)    interpolated windows before the prompt is reached
 *   switch (string)              causal generator: recache, ditctrl or cut (default: the
 *                                element's switch property)
 *   motion             (string)  "DX,DY" motion control for this prompt's windows
 *   transition         (string)  blend (default) or cut: a shot cut
 * The prompt takes effect at the first window boundary at or after the requested frame (or
 * the next window not yet started when neither frame nor running-time is given). */
#define DITSTREAM_EVENT_SET_PROMPT "ditstreamsrc-set-prompt"

typedef struct {
  gchar* prompt;
  gchar* negative_prompt;    /* NULL when absent */
  gchar* subject_words;      /* NULL when absent */
  gint64 frame;              /* -1 when absent */
  GstClockTime running_time; /* GST_CLOCK_TIME_NONE when absent */
  gint transition_windows;   /* -1 when absent */
  gchar* switch_method;      /* "switch": recache, ditctrl or cut; NULL when absent */
  gchar* motion; /* "motion": "DX,DY" latent pixels per latent frame; NULL when absent */
  gboolean cut;  /* "transition": "cut" TRUE; "blend" or absent FALSE */
} DitstreamSetPrompt;

/**
 * ditstream_event_new_set_prompt_full:
 * @prompt: the new prompt
 * @negative_prompt: (nullable): its negative prompt
 * @subject_words: (nullable): comma-separated subject words
 * @frame: the first video frame it applies to, or -1
 * @running_time: the running time it applies from, or GST_CLOCK_TIME_NONE
 * @transition_windows: interpolated windows before it is reached, or -1
 *
 * Returns: (transfer full) (nullable): the event, or %NULL when @prompt is %NULL or both
 * @frame and @running_time are given
 */
GstEvent* ditstream_event_new_set_prompt_full(const gchar* prompt, const gchar* negative_prompt,
                                              const gchar* subject_words, gint64 frame,
                                              GstClockTime running_time, gint transition_windows);
/**
 * ditstream_event_new_set_prompt:
 * @prompt: the new prompt
 * @frame: the first video frame it applies to, or -1 for the next window not yet started
 *
 * Returns: (transfer full) (nullable): the event, or %NULL when @prompt is %NULL
 */
GstEvent* ditstream_event_new_set_prompt(const gchar* prompt, gint64 frame);

/* TRUE when the event is a custom upstream event named DITSTREAM_EVENT_SET_PROMPT. */
gboolean ditstream_event_is_set_prompt(GstEvent* event);

/**
 * ditstream_event_parse_set_prompt:
 * @event: a set-prompt event
 * @out: (out caller-allocates): the fields (free them with ditstream_set_prompt_clear)
 * @error: set for a malformed event: missing or non-string prompt, fields of the wrong type, a
 *   negative frame, both frame and running-time
 *
 * Returns: %FALSE for a malformed event
 */
gboolean ditstream_event_parse_set_prompt(GstEvent* event, DitstreamSetPrompt* out, GError** error);
void ditstream_set_prompt_clear(DitstreamSetPrompt* parsed);

/* Element messages posted by ditstreamsrc (GST_MESSAGE_ELEMENT structure names). */
#define DITSTREAM_MESSAGE_PROMPT_APPLIED "ditstreamsrc-prompt-applied"
#define DITSTREAM_MESSAGE_WINDOW "ditstreamsrc-window"
#define DITSTREAM_MESSAGE_TRANSITION "ditstreamsrc-transition"

G_END_DECLS

#endif /* DITSTREAM_EVENT_H */
