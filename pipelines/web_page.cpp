#include "pipelines/web_page.h"

namespace ditstream {

const char* web_page() {
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ditstream control</title>
<style>
  body { font: 14px sans-serif; margin: 1em; max-width: 60em; }
  [hidden] { display: none !important; }
  form { display: flex; gap: .5em; flex-wrap: wrap; align-items: center; }
  #prompt { flex: 1 1 30em; }
  #preview, #live { width: 384px; image-rendering: pixelated; background: #222; display: block; }
  table { border-collapse: collapse; margin-top: .5em; }
  td, th { border-bottom: 1px solid #ccc; padding: 2px 8px; text-align: left; }
  .warning { color: #a60; } .error, .refused { color: #c00; }
</style>
</head>
<body>
<h1>ditstream</h1>
<form id="form">
  <input id="prompt" placeholder="a red circle moving right slowly on a blue background" required>
  <input id="subjects" placeholder="subject words (optional)" size="16">
  <label>transition windows <input id="windows" type="number" min="0" size="3"></label>
  <label><input id="cut" type="checkbox"> cut</label>
  <button id="send">Send</button>
</form>
<p>Connection: <span id="state">connecting</span>. <span id="reply"></span></p>
<video id="live" autoplay muted playsinline hidden></video>
<img id="preview" src="/preview.mjpeg" alt="live preview">
<p>Preview (<span id="preview-source">mjpeg</span>) colour (mean RGB):
   <span id="preview-colour">-</span>.
   Latest window: <span id="window">-</span>.</p>
<h2>Prompts as applied</h2>
<table id="timeline"><tr><th>id</th><th>frame</th><th>pts (s)</th><th>transition</th>
  <th>prompt</th></tr></table>
<h2>Messages</h2>
<div id="log"></div>
<canvas id="sample" width="32" height="24" hidden></canvas>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const socket = new WebSocket(`ws://${location.host}/ws`);
socket.onopen = () => {
  $("state").textContent = "open";
  if (window.RTCPeerConnection) socket.send(JSON.stringify({ webrtc: "start" }));
};
// WebRTC preview when the browser and the app can set it up; the MJPEG image until then.
let peer = null;
async function on_offer(m) {
  peer = new RTCPeerConnection();
  peer.onicecandidate = (e) => {
    if (e.candidate)
      socket.send(JSON.stringify({ webrtc: "ice", candidate: e.candidate.candidate,
                                   sdpMLineIndex: e.candidate.sdpMLineIndex }));
  };
  peer.ontrack = (e) => {
    $("live").srcObject = new MediaStream([e.track]);
    $("live").play();  // explicitly: Chromium does not autoplay a hidden video
  };
  await peer.setRemoteDescription({ type: "offer", sdp: m.sdp });
  const answer = await peer.createAnswer();
  await peer.setLocalDescription(answer);
  socket.send(JSON.stringify({ webrtc: "answer", sdp: answer.sdp }));
}
$("live").onplaying = () => {
  $("live").hidden = false;
  $("preview").hidden = true;
  $("preview").src = "";  // stop the MJPEG stream
  $("preview-source").textContent = "webrtc";
};
socket.onclose = () => { $("state").textContent = "closed"; };
const text = (s) => document.createTextNode(String(s));
function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(document.createElement("td")).appendChild(text(c));
  return tr;
}
function log(kind, message) {
  const p = $("log").appendChild(document.createElement("div"));
  p.className = kind;
  p.appendChild(text(`${kind}: ${message}`));
}
const handlers = {
  "ditstreamsrc-prompt-applied": (m) => $("timeline").appendChild(row([m["prompt-id"], m.frame,
      (m.pts / 1e9).toFixed(3), m.transition, m.prompt])),
  "ditstreamsrc-window": (m) => {
    $("window").textContent = `${m.index}: ${(m["generation-time"] / 1e9).toFixed(2)} s ` +
        `for ${m.frames} frames, ${m["realtime-factor"].toFixed(2)}x real time`;
  },
  "accepted": (m) => { $("reply").textContent = `sent: ${m.prompt}`; },
  "webrtc-offer": (m) => { on_offer(m).catch((e) => log("warning", `WebRTC: ${e}`)); },
  "webrtc-ice": (m) => { if (peer) peer.addIceCandidate(m).catch(() => {}); },
  "refused": (m) => { $("reply").textContent = `refused: ${m.text}`; log("refused", m.text); },
  "warning": (m) => log("warning", m.text),
  "error": (m) => log("error", m.text),
};
socket.onmessage = (event) => {
  const m = JSON.parse(event.data);
  if (handlers[m.name]) handlers[m.name](m);
};
$("form").onsubmit = (event) => {
  event.preventDefault();
  const request = { prompt: $("prompt").value };
  if ($("subjects").value) request.subject_words = $("subjects").value;
  if ($("windows").value !== "") request.transition_windows = Number($("windows").value);
  if ($("cut").checked) request.cut = true;
  socket.send(JSON.stringify(request));
};
// The preview's mean colour, for people and for the browser test.
setInterval(() => {
  const live = $("live"), img = $("preview"), canvas = $("sample");
  const source = live.videoWidth ? live : img.naturalWidth ? img : null;
  if (!source) return;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; ++c) sum[c] += px[i + c];
  const n = px.length / 4;
  $("preview-colour").textContent = sum.map((s) => Math.round(s / n)).join(",");
}, 250);
</script>
</body>
</html>
)html";
}

}  // namespace ditstream
