#pragma once
// ditstream-control's web page (libsoup 3): GET / is the page, /ws its WebSocket (bus messages
// as JSON to the page, prompt requests and WebRTC signalling from it), /preview.mjpeg the stream
// as MJPEG (multipart/x-mixed-replace, the fallback). Runs on the default main context, like the
// app's bus watch.

#include "pipelines/prompt_line.h"
#include "pipelines/webrtc_peer.h"

#include <libsoup/soup.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ditstream {

class WebServer {
 public:
  using PromptHandler = std::function<void(const PromptLine&)>;
  // Listens on "HOST:PORT" (PORT 0: a free one). Throws std::runtime_error for a host that is not
  // a loopback address unless `allow_remote`, and when it cannot listen.
  WebServer(const std::string& address, bool allow_remote, PromptHandler on_prompt);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  std::string url() const;
  // To every open page; with `replay`, also to every page that opens later (the last 100).
  void broadcast(const std::string& json, bool replay = false);
  void send_jpeg(GBytes* jpeg);  // to every preview
  // A frame for every page's WebRTC preview (any thread).
  void push_frame(GstBuffer* frame, GstCaps* caps);
  void send_signalling();  // what the WebRTC peers queued, to their pages
  // Whether any page reads the MJPEG preview (any thread): frames are encoded only then.
  bool mjpeg_watched() const { return mjpeg_watched_; }

 private:
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                         gpointer self);
  static void on_websocket(SoupServer*, SoupServerMessage*, const char*,
                           SoupWebsocketConnection* connection, gpointer self);
  void start_preview(SoupServerMessage* msg);
  void answer(SoupWebsocketConnection* connection, GBytes* message);
  void signal(SoupWebsocketConnection* connection, const nlohmann::json& message);
  void closed(SoupWebsocketConnection* connection);

  SoupServer* server_ = nullptr;
  PromptHandler on_prompt_;
  std::vector<SoupWebsocketConnection*> sockets_;
  std::map<SoupServerMessage*, bool> previews_;  // MJPEG clients: writing a frame
  std::atomic<bool> mjpeg_watched_{false};       // !previews_.empty(), for other threads
  std::vector<std::string> replay_;
  std::mutex peers_mutex_;  // the streaming thread pushes frames
  std::map<SoupWebsocketConnection*, std::unique_ptr<WebRtcPeer>> peers_;
};

}  // namespace ditstream
