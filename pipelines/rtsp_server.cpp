// ditstream-rtsp-server [--address A] [--port P] [--mount /PATH] LAUNCH...
// Serves a gst-launch description (ending in a payloader named pay0, as gst-rtsp-server wants)
// over RTSP; Debian ships gst-rtsp-server without a launch tool. One media is shared by every
// client. Stops on SIGINT or SIGTERM.
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::string port = "8554";
  std::string mount = "/ditstream";
  std::string launch;
};

constexpr const char* kUsage =
    "usage: ditstream-rtsp-server [--address A (127.0.0.1)] [--port P (8554)] "
    "[--mount /PATH (/ditstream)] LAUNCH... (ending in a payloader named pay0)\n";

bool wants_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return true;
  return false;
}

bool parse_args(int argc, char** argv, ServerOptions& options) {
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--address")
      options.address = argv[i + 1];
    else if (flag == "--port")
      options.port = argv[i + 1];
    else if (flag == "--mount")
      options.mount = argv[i + 1];
    else
      return false;
  }
  for (; i < argc; ++i) options.launch += std::string(argv[i]) + " ";
  return !options.launch.empty() && !options.mount.empty() && options.mount[0] == '/';
}

gboolean quit_loop(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

GstRTSPServer* make_server(const ServerOptions& options) {
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, options.address.c_str());
  gst_rtsp_server_set_service(server, options.port.c_str());
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, ("( " + options.launch + " )").c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, options.mount.c_str(), factory);
  g_object_unref(mounts);
  return server;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ServerOptions options;
  if (wants_help(argc, argv)) return std::cout << kUsage, 0;
  if (!parse_args(argc, argv, options)) return std::cerr << kUsage, 2;
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = make_server(options);
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    std::cerr << "ditstream-rtsp-server: cannot listen on " << options.address << ":"
              << options.port << "\n";
    return 1;
  }
  g_unix_signal_add(SIGINT, quit_loop, loop);
  g_unix_signal_add(SIGTERM, quit_loop, loop);
  std::cout << "serving rtsp://" << options.address << ":" << options.port << options.mount
            << std::endl;
  g_main_loop_run(loop);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
