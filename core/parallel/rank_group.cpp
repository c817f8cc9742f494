#include "core/parallel/rank_group.h"

#include <torch/torch.h>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#if __has_include(<gloo/context.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // Debian's Torch flags define it; a pip PyTorch's do not
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(USE_C10D_NCCL)  // set by CMake when the libtorch is built with CUDA and nccl.h is found
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace ditstream {
namespace {

// torch 2 moved the collectives from ProcessGroup to the Backend it wraps.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

// A collective that outlives a slow CPU step is normal; liveness is checked instead.
constexpr std::chrono::hours kExchangeTimeout{24};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

c10::intrusive_ptr<Collectives> make_collectives(const c10::intrusive_ptr<c10d::Store>& store,
                                                 int rank, int world_size,
                                                 const torch::Device& device,
                                                 const std::string& host) {
#if defined(USE_C10D_GLOO)
  if (device.is_cpu()) {
    auto options = c10d::ProcessGroupGloo::Options::create(kExchangeTimeout);
    options->devices.push_back(is_loopback(host)
                                   ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
  }
#endif
#if defined(USE_C10D_NCCL)
  if (device.is_cuda()) {
    // On an NCCL error (a worker that died) the watchdog's default ends the whole process, the
    // application embedding the element; the liveness check reports a failed worker instead.
    for (const char* name : {"TORCH_NCCL_ASYNC_ERROR_HANDLING", "NCCL_ASYNC_ERROR_HANDLING"})
      setenv(name, "0", /*overwrite=*/0);
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = kExchangeTimeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
  }
#endif
  throw std::runtime_error("this build of ditstream has no c10d backend for " + device.str() +
                           " (Gloo on the CPU needs libgloo-dev at build time, NCCL on CUDA a "
                           "CUDA libtorch and nccl.h)");
}

}  // namespace

RankAddress parse_rank_address(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument(what + ": expected HOST:PORT, got '" + text + "'");
  const std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) > 65535)
    throw std::invalid_argument(what + ": '" + port + "' is not a port");
  return {text.substr(0, colon), static_cast<uint16_t>(std::stoi(port))};
}

struct RankStore::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
};

RankStore::RankStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RankStore::~RankStore() = default;

std::shared_ptr<RankStore> RankStore::serve(const RankAddress& address, int world_size) {
  c10d::TCPStoreOptions options;
  options.port = address.port;
  options.isServer = true;
  options.numWorkers = static_cast<size_t>(world_size);
  options.waitWorkers = false;
  auto impl = std::make_unique<Impl>();
  impl->store = c10::make_intrusive<c10d::TCPStore>(address.host, options);
  return std::shared_ptr<RankStore>(new RankStore(std::move(impl)));
}

std::shared_ptr<RankStore> RankStore::connect(const RankAddress& address,
                                              std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = address.port;
  options.waitWorkers = false;
  options.timeout = timeout;
  auto impl = std::make_unique<Impl>();
  impl->store = c10::make_intrusive<c10d::TCPStore>(address.host, options);
  return std::shared_ptr<RankStore>(new RankStore(std::move(impl)));
}

uint16_t RankStore::port() const { return impl_->store->getPort(); }
const std::string& RankStore::host() const { return impl_->store->getHost(); }

void RankStore::set(const std::string& key, const std::string& value) {
  impl_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
}

std::string RankStore::get(const std::string& key) {
  const auto bytes = impl_->store->get(key);
  return {bytes.begin(), bytes.end()};
}

bool RankStore::has(const std::string& key) { return impl_->store->check({key}); }

struct RankGroup::Impl {
  c10::intrusive_ptr<Collectives> collectives;
  c10::intrusive_ptr<c10d::Work> pending;  // guarded by the group's mutex_
};

RankGroup::RankGroup(std::shared_ptr<RankStore> store, int rank, int world_size,
                     torch::Device device, const std::string& name)
    : store_(std::move(store)),
      rank_(rank),
      world_size_(world_size),
      device_(device),
      impl_(std::make_unique<Impl>()) {
  c10::intrusive_ptr<c10d::Store> keys = store_->impl_->store;
  if (!name.empty()) keys = c10::make_intrusive<c10d::PrefixStore>(name + "/", keys);
  impl_->collectives = make_collectives(keys, rank, world_size, device, store_->host());
  watcher_ = std::thread([this] { watch(); });
}

RankGroup::~RankGroup() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

void RankGroup::set_liveness_check(std::function<void()> check) {
  std::lock_guard<std::mutex> lock(mutex_);
  liveness_ = std::move(check);
}

void RankGroup::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(50));
    if (!impl_->pending || !liveness_ || !failure_.empty()) continue;
    try {
      liveness_();
    } catch (const std::exception& e) {
      failure_ = e.what();
      try {
        impl_->pending->abort();
      } catch (const std::exception&) {  // collectives cannot be aborted: the peer's exit ends them
      }
    }
  }
}

// Blocks in the work's own wait (a timed-out Gloo wait would close the pair); the watcher aborts
// it when a worker fails.
void RankGroup::exchange(const std::function<c10::intrusive_ptr<c10d::Work>()>& issue) {
  bool done = false;
  std::string error;
  try {
    const auto work = issue();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!failure_.empty()) work->abort();
      impl_->pending = work;
    }
    done = finish(work);
  } catch (const std::exception& e) {  // e.g. the peer's connection closed
    error = e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  impl_->pending.reset();
  if (failure_.empty() && !error.empty()) failure_ = explain(error);
  if (!failure_.empty()) throw std::runtime_error(failure_);
  if (!done) throw std::runtime_error("rank exchange aborted");
}

// NCCL's wait only orders the current CUDA stream after the work: wait on the CPU as well, so a
// failed worker (whose work the watcher aborts) ends the exchange here, not in a later copy.
bool RankGroup::finish(const c10::intrusive_ptr<c10d::Work>& work) {
  const bool done = work->wait();
  while (!work->isCompleted()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!failure_.empty()) return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  if (work->exception()) std::rethrow_exception(work->exception());
  return done;
}

// A worker's exit closes its sockets before the process can be reaped: give the liveness check
// a moment to name the worker that ended rather than the transport's error.
std::string RankGroup::explain(const std::string& transport_error) {
  for (int i = 0; liveness_ && i < 50; ++i) {
    try {
      liveness_();
    } catch (const std::exception& e) {
      return e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "rank exchange failed: " + transport_error;
}

void RankGroup::send(std::vector<torch::Tensor> tensors, int to) {
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    exchange([&] { return impl_->collectives->send(one, to, 0); });
  }
}

void RankGroup::recv(std::vector<torch::Tensor>& tensors, int from) {
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    exchange([&] { return impl_->collectives->recv(one, from, 0); });
  }
}

torch::Tensor RankGroup::all_to_all(const torch::Tensor& input) {
  auto in = input.contiguous();
  auto out = torch::empty_like(in);
  std::vector<int64_t> equal;  // empty: equal splits
  exchange([&] { return impl_->collectives->alltoall_base(out, in, equal, equal); });
  return out;
}

std::vector<torch::Tensor> RankGroup::all_gather(const torch::Tensor& input) {
  std::vector<torch::Tensor> in{input.contiguous()};
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < world_size_; ++r) out[0].push_back(torch::empty_like(in[0]));
  exchange([&] { return impl_->collectives->allgather(out, in); });
  return out[0];
}

}  // namespace ditstream
