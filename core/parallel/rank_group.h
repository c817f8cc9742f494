#pragma once
// Ranks of one stream over torch.distributed's c10d: a TCPStore for the rendezvous, the heartbeat
// and published settings, and a process group (Gloo on the CPU, NCCL on CUDA) for the tensors.
// No c10d header leaks out of core/parallel's sources.

#include <torch/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace c10d {
class Work;
}

namespace ditstream {

struct RankAddress {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT"; throws naming `what` (e.g. "--master") when malformed.
RankAddress parse_rank_address(const std::string& text, const std::string& what);

// The rendezvous store. Rank 0 serves it (port 0: a free port, read back with port()).
class RankStore {
 public:
  static std::shared_ptr<RankStore> serve(const RankAddress& address, int world_size);
  static std::shared_ptr<RankStore> connect(const RankAddress& address,
                                            std::chrono::milliseconds timeout);
  ~RankStore();

  uint16_t port() const;
  const std::string& host() const;
  void set(const std::string& key, const std::string& value);
  // Waits up to the store's timeout.
  std::string get(const std::string& key);
  bool has(const std::string& key);

  struct Impl;

 private:
  friend class RankGroup;
  explicit RankStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RankGroup {
 public:
  // Blocks until all `world_size` ranks joined (each calls this with its rank). A `name` makes a
  // subgroup of its own on the same store (ranks numbered within it).
  RankGroup(std::shared_ptr<RankStore> store, int rank, int world_size, torch::Device device,
            const std::string& name = "");
  ~RankGroup();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  const torch::Device& device() const { return device_; }

  // While an exchange waits, a watcher thread runs `check` every 50 ms; when it throws (a worker
  // died or stopped beating) the exchange is aborted and fails with its message. c10d's own
  // timeouts stay out of the way of slow steps (and a timed-out Gloo wait closes the pair).
  void set_liveness_check(std::function<void()> check);

  // Contiguous tensors on device(); blocking.
  void send(std::vector<torch::Tensor> tensors, int to);
  void recv(std::vector<torch::Tensor>& tensors, int from);
  // Equal slices along dim 0: slice i of `input` goes to rank i, slice i of the result came from
  // rank i. Every rank calls it.
  torch::Tensor all_to_all(const torch::Tensor& input);
  // Every rank's `input` (same shape), in rank order.
  std::vector<torch::Tensor> all_gather(const torch::Tensor& input);

  struct Impl;

 private:
  void watch();
  void exchange(const std::function<c10::intrusive_ptr<c10d::Work>()>& issue);
  bool finish(const c10::intrusive_ptr<c10d::Work>& work);
  std::string explain(const std::string& transport_error);  // under mutex_

  std::shared_ptr<RankStore> store_;
  int rank_ = 0;
  int world_size_ = 1;
  torch::Device device_;
  std::unique_ptr<Impl> impl_;  // the collectives and the exchange in flight
  std::mutex mutex_;
  std::condition_variable wake_;
  std::function<void()> liveness_;
  std::string failure_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace ditstream
