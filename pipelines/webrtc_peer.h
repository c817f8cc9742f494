#pragma once
// One web page's WebRTC preview (webrtcbin, VP8): appsrc ! videoconvert ! vp8enc ! rtpvp8pay !
// webrtcbin, offering a video stream. Signalling goes through the page's WebSocket: the offer
// and ICE candidates are queued as JSON for the main loop to send (webrtcbin calls back on its
// own threads), the page's answer and candidates come in through on_signal().

#include "pipelines/frame_feed.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ditstream {

class WebRtcPeer {
 public:
  WebRtcPeer();
  ~WebRtcPeer();
  WebRtcPeer(const WebRtcPeer&) = delete;
  WebRtcPeer& operator=(const WebRtcPeer&) = delete;

  void push(GstBuffer* frame, GstCaps* caps);  // any thread; late frames are dropped
  // {"webrtc": "answer", "sdp": ...} or {"webrtc": "ice", "candidate": ..., "sdpMLineIndex": N};
  // throws std::invalid_argument for anything else.
  void on_signal(const nlohmann::json& message);
  std::vector<std::string> take_outgoing();  // JSON texts for the page, main loop

 private:
  static void on_negotiation_needed(GstElement* webrtc, gpointer self);
  static void on_offer(GstPromise* promise, gpointer self);
  static void on_ice_candidate(GstElement*, guint mline, gchar* candidate, gpointer self);
  void queue(const nlohmann::json& message);

  GstElement* pipeline_ = nullptr;
  std::unique_ptr<FrameFeed> feed_;
  GstElement* webrtc_ = nullptr;
  std::mutex mutex_;  // guards outgoing_
  std::vector<std::string> outgoing_;
};

}  // namespace ditstream
