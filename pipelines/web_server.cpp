#include "pipelines/web_server.h"

#include "pipelines/web_messages.h"
#include "pipelines/web_page.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr const char* kBoundary = "frame";
constexpr size_t kReplayed = 100;  // messages a page that opens late gets first

GSocketAddress* parse_address(const std::string& address, bool allow_remote) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("--http " + address + ": want HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = address.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  const guint64 port = g_ascii_strtoull(address.c_str() + colon + 1, nullptr, 10);
  GInetAddress* inet = g_inet_address_new_from_string(host.c_str());
  if (!inet || port > 65535)
    throw std::runtime_error("--http " + address + ": not an IP address and port");
  const bool loopback = g_inet_address_get_is_loopback(inet);
  GSocketAddress* socket = g_inet_socket_address_new(inet, guint16(port));
  g_object_unref(inet);
  if (!loopback && !allow_remote) {
    g_object_unref(socket);
    throw std::runtime_error("--http " + address +
                             ": not a loopback address; pass --http-allow-remote to serve the "
                             "control page to other machines");
  }
  return socket;
}

void respond(SoupServerMessage* msg, guint status, const char* type, const char* body) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_STATIC, body, strlen(body));
}

}  // namespace

WebServer::WebServer(const std::string& address, bool allow_remote, PromptHandler on_prompt)
    : on_prompt_(std::move(on_prompt)) {
  GSocketAddress* socket = parse_address(address, allow_remote);
  server_ = soup_server_new("server-header", "ditstream-control", nullptr);
  soup_server_add_handler(server_, nullptr, on_request, this, nullptr);
  soup_server_add_websocket_handler(server_, "/ws", nullptr, nullptr, on_websocket, this, nullptr);
  GError* error = nullptr;
  const bool listening = soup_server_listen(server_, socket, SoupServerListenOptions(0), &error);
  g_object_unref(socket);
  if (!listening) {
    const std::string message = error->message;
    g_clear_error(&error);
    g_object_unref(server_);
    throw std::runtime_error("--http " + address + ": " + message);
  }
}

WebServer::~WebServer() {
  peers_.clear();
  for (auto* s : sockets_) g_object_unref(s);
  soup_server_disconnect(server_);
  g_object_unref(server_);
}

std::string WebServer::url() const {
  GSList* uris = soup_server_get_uris(server_);
  std::string url;
  if (uris) {
    gchar* text = g_uri_to_string(static_cast<GUri*>(uris->data));
    url = text;
    g_free(text);
  }
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  return url;
}

void WebServer::broadcast(const std::string& json, bool replay) {
  if (replay) replay_.push_back(json);
  if (replay_.size() > kReplayed) replay_.erase(replay_.begin());
  for (auto* s : sockets_)
    if (soup_websocket_connection_get_state(s) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text(s, json.c_str());
}

// One chunk per frame; a preview whose last frame is not written yet skips this one, so a slow
// client costs frames, not memory.
void WebServer::send_jpeg(GBytes* jpeg) {
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(jpeg, &size));
  gchar* head = g_strdup_printf(
      "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n", kBoundary,
      size);
  std::string part = head;
  g_free(head);
  part.append(data, size).append("\r\n");
  for (auto& [msg, writing] : previews_) {
    if (writing) continue;
    writing = true;
    soup_message_body_append(soup_server_message_get_response_body(msg), SOUP_MEMORY_COPY,
                             part.data(), part.size());
    soup_server_message_unpause(msg);
  }
}

void WebServer::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                           gpointer self) {
  if (soup_server_message_get_method(msg) != SOUP_METHOD_GET)
    return respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
  if (g_str_equal(path, "/")) return respond(msg, SOUP_STATUS_OK, "text/html", web_page());
  if (g_str_equal(path, "/preview.mjpeg")) return static_cast<WebServer*>(self)->start_preview(msg);
  respond(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
}

void WebServer::start_preview(SoupServerMessage* msg) {
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  gchar* type = g_strdup_printf("multipart/x-mixed-replace; boundary=%s", kBoundary);
  soup_message_headers_replace(headers, "Content-Type", type);
  g_free(type);
  soup_message_headers_replace(headers, "Cache-Control", "no-cache");
  soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  soup_server_message_pause(msg);
  previews_[msg] = false;
  mjpeg_watched_ = true;
  const auto gone = +[](SoupServerMessage* m, gpointer self) {
    auto* server = static_cast<WebServer*>(self);
    server->previews_.erase(m);
    server->mjpeg_watched_ = !server->previews_.empty();
  };
  const auto written = +[](SoupServerMessage* m, gpointer self) {
    auto& previews = static_cast<WebServer*>(self)->previews_;
    if (const auto it = previews.find(m); it != previews.end()) it->second = false;
  };
  g_signal_connect(msg, "finished", G_CALLBACK(gone), this);
  g_signal_connect(msg, "disconnected", G_CALLBACK(gone), this);
  g_signal_connect(msg, "wrote-chunk", G_CALLBACK(written), this);
}

void WebServer::on_websocket(SoupServer*, SoupServerMessage*, const char*,
                             SoupWebsocketConnection* connection, gpointer self) {
  auto* server = static_cast<WebServer*>(self);
  server->sockets_.push_back(SOUP_WEBSOCKET_CONNECTION(g_object_ref(connection)));
  for (const auto& json : server->replay_)
    soup_websocket_connection_send_text(connection, json.c_str());
  const auto message = +[](SoupWebsocketConnection* c, gint, GBytes* text, gpointer s) {
    static_cast<WebServer*>(s)->answer(c, text);
  };
  const auto closed =
      +[](SoupWebsocketConnection* c, gpointer s) { static_cast<WebServer*>(s)->closed(c); };
  g_signal_connect(connection, "message", G_CALLBACK(message), self);
  g_signal_connect(connection, "closed", G_CALLBACK(closed), self);
}

void WebServer::closed(SoupWebsocketConnection* connection) {
  {
    std::lock_guard<std::mutex> lock(peers_mutex_);
    peers_.erase(connection);
  }
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), connection), sockets_.end());
  g_object_unref(connection);
}

void WebServer::push_frame(GstBuffer* frame, GstCaps* caps) {
  std::lock_guard<std::mutex> lock(peers_mutex_);
  for (auto& [socket, peer] : peers_) peer->push(frame, caps);
}

void WebServer::send_signalling() {
  std::lock_guard<std::mutex> lock(peers_mutex_);
  for (auto& [socket, peer] : peers_)
    for (const auto& text : peer->take_outgoing())
      soup_websocket_connection_send_text(socket, text.c_str());
}

// {"webrtc": "start"} makes the page's peer (which then offers); the rest goes to it.
void WebServer::signal(SoupWebsocketConnection* connection, const nlohmann::json& message) {
  // Made outside the lock: starting its pipeline must not stall the streaming thread's pushes.
  auto started = message["webrtc"] == "start" ? std::make_unique<WebRtcPeer>() : nullptr;
  std::lock_guard<std::mutex> lock(peers_mutex_);
  const auto peer = peers_.find(connection);
  if (started)
    peers_[connection] = std::move(started);
  else if (peer != peers_.end())
    peer->second->on_signal(message);
  else
    throw std::invalid_argument("webrtc: send {\"webrtc\": \"start\"} first");
}

// A prompt request is handed on, WebRTC signalling goes to the page's peer; anything else is
// refused, with the reason, to that page only.
void WebServer::answer(SoupWebsocketConnection* connection, GBytes* message) {
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(message, &size));
  nlohmann::json reply;
  try {
    const auto request = nlohmann::json::parse(std::string(data, size), nullptr, false);
    if (request.is_object() && request.contains("webrtc")) return signal(connection, request);
    const PromptLine line = prompt_from_json(std::string(data, size));
    on_prompt_(line);
    reply = {{"name", "accepted"}, {"prompt", line.text}};
  } catch (const std::exception& e) {  // invalid_argument, or the peer's runtime_error
    reply = {{"name", "refused"}, {"text", e.what()}};
  }
  soup_websocket_connection_send_text(connection, reply.dump().c_str());
}

}  // namespace ditstream
