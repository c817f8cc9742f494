#!/usr/bin/python3
"""Steers ditstreamsrc from Python (python3-gst-1.0): renders an MP4 while changing the prompt
twice, first with the ditstreamsrc-set-prompt event sent through the pipeline, then with the
`prompt` property, and prints the element's bus messages.

Usage: pipelines/control_example.py [--output out.mp4] [--num-buffers 120] [--steps 20]
Needs the plugin on GST_PLUGIN_PATH (pipelines/env.sh sets it; the e2e test does too).
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, GObject, Gst  # noqa: E402

try:  # the frame meta through libditstream-1.0's typelib (installed, or GI_TYPELIB_PATH)
    gi.require_version("Ditstream", "1.0")
    from gi.repository import Ditstream  # noqa: E402
except (ValueError, ImportError):
    Ditstream = None

# Captions of the embedded shapes-demo model's grammar (other words render as noise with it).
FIRST_PROMPT = "a red circle moving right slowly on a blue background"
EVENT_PROMPT = "a red circle moving right slowly on a black background"
PROPERTY_PROMPT = "a yellow square moving left slowly on a black background"


def set_prompt_event(prompt, frame=-1, subject_words=None):
    """The custom upstream event of gst-plugin/ditstream-event.h, built by hand."""
    s = Gst.Structure.new_empty("ditstreamsrc-set-prompt")
    s.set_value("prompt", prompt)
    if subject_words:
        s.set_value("subject-words", subject_words)
    if frame >= 0:
        # Typed explicitly: a plain Python int would become a gint, and the element wants gint64.
        v = GObject.Value(GObject.TYPE_INT64, frame)
        s.set_value("frame", v)
    return Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, s)


class Example:
    def __init__(self, args):
        self.pipeline = Gst.parse_launch(
            f"ditstreamsrc name=src num-buffers={args.num_buffers} steps={args.steps} "
            + (f'model="{args.model}" ' if args.model else "") +
            f'prompt="{FIRST_PROMPT}" '
            f"! videoconvert ! x264enc ! mp4mux ! filesink location={args.output}")
        self.src = self.pipeline.get_by_name("src")
        self.last_meta = None
        if Ditstream:
            self.src.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self.on_buffer)
        else:
            print("no Ditstream typelib: frame meta not shown", flush=True)
        self.loop = GLib.MainLoop()
        self.status = 1
        self.event_frame = args.event_frame
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_message(self, _bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            self.on_element(msg.get_structure())
        elif msg.type == Gst.MessageType.LATENCY:
            self.pipeline.recalculate_latency()
        elif msg.type == Gst.MessageType.WARNING:
            warning, _debug = msg.parse_warning()
            print(f"warning: {warning.message}", flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"error: {err.message} ({debug})", flush=True)
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            print("eos", flush=True)
            self.status = 0
            self.loop.quit()

    def on_buffer(self, _pad, info):
        """Prints the frame meta (the prompt behind each frame) whenever prompt or weight change."""
        meta = Ditstream.buffer_get_frame_meta(info.get_buffer())
        if meta and (meta.prompt_id, meta.transition_weight) != self.last_meta:
            self.last_meta = (meta.prompt_id, meta.transition_weight)
            # Printed from the main loop: this is the streaming thread.
            GLib.idle_add(print, f"meta frame={meta.frame_index} prompt-id={meta.prompt_id} "
                          f"weight={meta.transition_weight:.3f}")
        return Gst.PadProbeReturn.OK

    def send_event(self):
        """Retried every 20 ms until the pads are active (the pipeline refuses it before)."""
        event = set_prompt_event(EVENT_PROMPT, self.event_frame, "circle")
        if not self.pipeline.send_event(event):
            return GLib.SOURCE_CONTINUE
        print(f"event sent: frame={self.event_frame}", flush=True)
        return GLib.SOURCE_REMOVE

    def on_element(self, s):
        name = s.get_name()
        if name == "ditstreamsrc-prompt-applied":
            prompt = s.get_string("prompt")
            print(f"prompt-applied id={s.get_int64('prompt-id')[1]} "
                  f"frame={s.get_int64('frame')[1]} prompt=\"{prompt}\"", flush=True)
            if prompt == EVENT_PROMPT:
                # Takes effect at the next window that has not started yet.
                self.src.set_property("prompt", PROPERTY_PROMPT)
                print("property set", flush=True)
        elif name == "ditstreamsrc-window":
            print(f"window {s.get_int64('index')[1]} "
                  f"first-frame={s.get_int64('first-frame')[1]} "
                  f"realtime={s.get_double('realtime-factor')[1]:.2f}x", flush=True)

    def run(self):
        self.pipeline.set_state(Gst.State.PLAYING)
        GLib.timeout_add(20, self.send_event)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        return self.status


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="control_example.mp4")
    parser.add_argument("--model", help="model folder (default: the element's)")
    parser.add_argument("--num-buffers", type=int, default=120)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--event-frame", type=int, default=24,
                        help="frame the event's prompt applies from")
    args = parser.parse_args()
    Gst.init(None)
    return Example(args).run()


if __name__ == "__main__":
    sys.exit(main())
