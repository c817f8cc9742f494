#include "pipelines/webrtc_peer.h"

#define GST_USE_UNSTABLE_API  // webrtc's headers ask for it
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <stdexcept>
#include <utility>

namespace ditstream {
namespace {

constexpr const char* kPipeline =
    "appsrc name=in format=time is-live=true do-timestamp=true max-buffers=2 "
    "leaky-type=downstream ! videoconvert ! queue ! vp8enc deadline=1 keyframe-max-dist=16 "
    "! rtpvp8pay ! application/x-rtp,media=video,encoding-name=VP8,payload=96 "
    "! webrtcbin name=peer bundle-policy=max-bundle";

}  // namespace

WebRtcPeer::WebRtcPeer() {
  pipeline_ = launch_pipeline(kPipeline, "WebRTC preview",
                              "webrtcbin: gst-plugins-bad, ICE: gstreamer1.0-nice");
  feed_ = std::make_unique<FrameFeed>(gst_bin_get_by_name(GST_BIN(pipeline_), "in"));
  webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "peer");
  g_signal_connect(webrtc_, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), this);
  g_signal_connect(webrtc_, "on-ice-candidate", G_CALLBACK(on_ice_candidate), this);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

WebRtcPeer::~WebRtcPeer() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(webrtc_);
  feed_.reset();
  gst_object_unref(pipeline_);
}

void WebRtcPeer::push(GstBuffer* frame, GstCaps* caps) { feed_->push(frame, caps, true); }

void WebRtcPeer::on_signal(const nlohmann::json& m) {
  const std::string kind = m.value("webrtc", "");
  if (kind == "answer" && m.contains("sdp") && m["sdp"].is_string()) {
    GstSDPMessage* sdp = nullptr;
    if (gst_sdp_message_new_from_text(m["sdp"].get<std::string>().c_str(), &sdp) != GST_SDP_OK)
      throw std::invalid_argument("webrtc answer: not SDP");
    GstWebRTCSessionDescription* answer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    g_signal_emit_by_name(webrtc_, "set-remote-description", answer, nullptr);
    gst_webrtc_session_description_free(answer);
  } else if (kind == "ice" && m.contains("candidate") && m["candidate"].is_string() &&
             m.contains("sdpMLineIndex") && m["sdpMLineIndex"].is_number_unsigned()) {
    g_signal_emit_by_name(webrtc_, "add-ice-candidate", m["sdpMLineIndex"].get<guint>(),
                          m["candidate"].get<std::string>().c_str());
  } else {
    throw std::invalid_argument("webrtc: want an answer (sdp) or an ice candidate");
  }
}

std::vector<std::string> WebRtcPeer::take_outgoing() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(outgoing_, {});
}

void WebRtcPeer::queue(const nlohmann::json& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  outgoing_.push_back(message.dump());
}

void WebRtcPeer::on_negotiation_needed(GstElement* webrtc, gpointer self) {
  GstPromise* promise = gst_promise_new_with_change_func(on_offer, self, nullptr);
  g_signal_emit_by_name(webrtc, "create-offer", nullptr, promise);
}

void WebRtcPeer::on_offer(GstPromise* promise, gpointer self) {
  auto* peer = static_cast<WebRtcPeer*>(self);
  GstWebRTCSessionDescription* offer = nullptr;
  gst_structure_get(gst_promise_get_reply(promise), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                    &offer, nullptr);
  gst_promise_unref(promise);
  if (!offer) return;
  g_signal_emit_by_name(peer->webrtc_, "set-local-description", offer, nullptr);
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  peer->queue({{"name", "webrtc-offer"}, {"sdp", text}});
  g_free(text);
  gst_webrtc_session_description_free(offer);
}

void WebRtcPeer::on_ice_candidate(GstElement*, guint mline, gchar* candidate, gpointer self) {
  static_cast<WebRtcPeer*>(self)->queue(
      {{"name", "webrtc-ice"}, {"sdpMLineIndex", mline}, {"candidate", candidate}});
}

}  // namespace ditstream
