#pragma once
// The part of Python's pickle that torch.save writes into an archive's data.pkl: dicts (plain
// and OrderedDict), lists, tuples, scalars, strings and tensors as references to storage
// records. Any other object becomes an opaque value, so junk beside the weights (optimizer
// state, configs) never stops a load. libtorch's torch::pickle_load cannot be used: 1.13 (and
// every release before the late-2024 fix of pytorch/pytorch#100741) turns each OrderedDict, which
// is what state_dict() returns, into None and then fails.

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ditstream {

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

// A tensor as data.pkl describes it; the bytes live in the archive record "data/<key>".
struct PickledTensor {
  std::string storage_key;
  torch::ScalarType dtype = torch::kFloat;
  int64_t storage_numel = 0;  // elements of dtype in the record
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct PickleValue {
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,
    Object,
    Storage,
    Tensor
  };
  Kind kind = Kind::None;
  int64_t integer = 0;  // Int, Bool
  double real = 0;
  std::string text;                                      // String, Bytes, Global "module.name"
  std::vector<PickleRef> items;                          // Tuple, List; Object: callable, args
  std::vector<std::pair<PickleRef, PickleRef>> entries;  // Dict, in insertion order
  PickledTensor tensor;                                  // Storage (key, dtype, numel), Tensor
};

// Runs a pickle program (protocols 2 to 5). Errors name `where` and the byte offset.
PickleRef read_torch_pickle(const uint8_t* data, size_t size, const std::string& where);

// The value under string key `key` of a Dict, or null.
PickleRef pickle_dict_find(const PickleValue& dict, const std::string& key);

}  // namespace ditstream
