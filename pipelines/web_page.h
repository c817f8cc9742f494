#pragma once
// The page ditstream-control --http serves: prompt box, the prompt timeline as applied, window
// timings and the live preview (web_server.h).

namespace ditstream {

const char* web_page();

}  // namespace ditstream
