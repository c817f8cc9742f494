#include "core/io/torch_pickle.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

namespace ditstream {
namespace {

using Kind = PickleValue::Kind;

PickleRef make_value(Kind kind) {
  auto v = std::make_shared<PickleValue>();
  v->kind = kind;
  return v;
}

PickleRef make_int(int64_t value, Kind kind = Kind::Int) {
  auto v = make_value(kind);
  v->integer = value;
  return v;
}

PickleRef make_text(Kind kind, const uint8_t* data, size_t size) {
  auto v = make_value(kind);
  v->text.assign(reinterpret_cast<const char*>(data), size);
  return v;
}

torch::ScalarType storage_dtype(const std::string& storage_class) {
  static const std::map<std::string, torch::ScalarType> table = {
      {"torch.DoubleStorage", torch::kDouble}, {"torch.FloatStorage", torch::kFloat},
      {"torch.HalfStorage", torch::kHalf},     {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},     {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort},   {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},     {"torch.BoolStorage", torch::kBool},
      {"torch.UntypedStorage", torch::kByte}};
  const auto it = table.find(storage_class);
  if (it == table.end()) throw std::runtime_error("unsupported storage type " + storage_class);
  return it->second;
}

class PickleMachine {
 public:
  PickleMachine(const uint8_t* data, size_t size, const std::string& where)
      : data_(data), size_(size), where_(where) {}

  PickleRef run() {
    while (!done_) {
      const size_t at = pos_;
      const uint8_t op = *take(1);
      const Handler handler = handlers()[op];
      if (!handler) fail(at, "unsupported pickle opcode 0x" + hex(op));
      try {
        (this->*handler)();
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()).rfind(where_, 0) == 0) throw;
        fail(at, e.what());
      }
    }
    if (stack_.empty()) fail(pos_, "STOP with an empty stack");
    return stack_.back();
  }

 private:
  using Handler = void (PickleMachine::*)();

  static std::string hex(uint8_t op) {
    const char* digits = "0123456789abcdef";
    return {digits[op >> 4], digits[op & 15]};
  }

  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw std::runtime_error(where_ + ": data.pkl at byte " + std::to_string(at) + ": " + what);
  }

  const uint8_t* take(size_t n) {
    if (n > size_ - pos_) fail(pos_, "truncated (needs " + std::to_string(n) + " more bytes)");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

  template <typename T>
  T read_le() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));  // little-endian host
    return value;
  }

  std::string read_line() {
    const size_t begin = pos_;
    while (*take(1) != '\n') {
    }
    return std::string(reinterpret_cast<const char*>(data_ + begin), pos_ - begin - 1);
  }

  int64_t read_long(int64_t bytes) {
    if (bytes < 0 || bytes > 8) throw std::runtime_error("integer wider than 64 bits");
    const uint8_t* p = take(static_cast<size_t>(bytes));
    uint64_t value = 0;
    for (int64_t i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
    if (bytes > 0 && bytes < 8 && (p[bytes - 1] & 0x80)) value |= ~uint64_t(0) << (8 * bytes);
    return static_cast<int64_t>(value);
  }

  void push(PickleRef v) { stack_.push_back(std::move(v)); }

  PickleRef pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back()))
      throw std::runtime_error("stack underflow");
    auto v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  PickleRef& top() {
    if (stack_.empty()) throw std::runtime_error("stack underflow");
    return stack_.back();
  }

  std::vector<PickleRef> pop_to_mark() {
    if (marks_.empty()) throw std::runtime_error("no MARK on the stack");
    const auto mark = static_cast<std::ptrdiff_t>(marks_.back());
    marks_.pop_back();
    std::vector<PickleRef> items(stack_.begin() + mark, stack_.end());
    stack_.resize(static_cast<size_t>(mark));
    return items;
  }

  // Scalars and strings.
  void op_proto() { take(1); }
  void op_frame() { take(8); }
  void op_stop() { done_ = true; }
  void op_none() { push(make_value(Kind::None)); }
  void op_true() { push(make_int(1, Kind::Bool)); }
  void op_false() { push(make_int(0, Kind::Bool)); }
  template <typename T>
  void op_int() {
    push(make_int(read_le<T>()));
  }
  template <typename T>
  void op_long() {
    push(make_int(read_long(read_le<T>())));
  }
  void op_binfloat() {
    uint8_t bytes[8];
    std::memcpy(bytes, take(8), 8);
    std::reverse(bytes, bytes + 8);  // big-endian in the stream
    auto v = make_value(Kind::Float);
    std::memcpy(&v->real, bytes, 8);
    push(v);
  }
  template <typename Length, Kind kKind>
  void op_text() {
    const auto n = read_le<Length>();
    if constexpr (std::is_signed_v<Length>)
      if (n < 0) throw std::runtime_error("negative string length");
    push(make_text(kKind, take(static_cast<size_t>(n)), static_cast<size_t>(n)));
  }

  // Stack and memo.
  void op_mark() { marks_.push_back(stack_.size()); }
  void op_pop() { pop(); }
  void op_pop_mark() { pop_to_mark(); }
  void op_dup() { push(top()); }
  template <typename Index>
  void op_put() {
    memo_[read_le<Index>()] = top();
  }
  void op_memoize() { memo_[static_cast<uint32_t>(memo_.size())] = top(); }
  template <typename Index>
  void op_get() {
    const auto it = memo_.find(read_le<Index>());
    if (it == memo_.end()) throw std::runtime_error("memo entry not found");
    push(it->second);
  }

  // Containers.
  PickleRef sequence(Kind kind, std::vector<PickleRef> items) {
    auto v = make_value(kind);
    v->items = std::move(items);
    return v;
  }
  void op_empty(Kind kind) { push(make_value(kind)); }
  void op_empty_tuple() { op_empty(Kind::Tuple); }
  void op_empty_list() { op_empty(Kind::List); }
  void op_empty_dict() { op_empty(Kind::Dict); }
  void op_tuple() { push(sequence(Kind::Tuple, pop_to_mark())); }
  void op_list() { push(sequence(Kind::List, pop_to_mark())); }
  template <int kCount>
  void op_tuple_n() {
    std::vector<PickleRef> items(kCount);
    for (int i = kCount - 1; i >= 0; --i) items[i] = pop();
    push(sequence(Kind::Tuple, std::move(items)));
  }
  void extend(std::vector<PickleRef> items) {
    auto& target = top();
    if (target->kind == Kind::List)
      target->items.insert(target->items.end(), items.begin(), items.end());
    else if (target->kind != Kind::Object)
      throw std::runtime_error("APPEND to a value that is not a list");
  }
  void op_append() { extend({pop()}); }
  void op_appends() { extend(pop_to_mark()); }
  void set_items(const std::vector<PickleRef>& items) {
    if (items.size() % 2) throw std::runtime_error("SETITEMS with an odd number of values");
    auto& target = top();
    if (target->kind == Kind::Dict)
      for (size_t i = 0; i < items.size(); i += 2)
        target->entries.emplace_back(items[i], items[i + 1]);
    else if (target->kind != Kind::Object)
      throw std::runtime_error("SETITEM on a value that is not a dict");
  }
  void op_setitem() {
    auto value = pop();
    auto key = pop();
    set_items({key, value});
  }
  void op_setitems() { set_items(pop_to_mark()); }
  void op_dict() {
    const auto items = pop_to_mark();
    push(make_value(Kind::Dict));
    set_items(items);
  }

  // Objects.
  void op_global() {
    const auto module = read_line();
    const auto name = read_line();
    auto v = make_value(Kind::Global);
    v->text = module + "." + name;
    push(v);
  }
  void op_stack_global() {
    const auto name = pop();
    const auto module = pop();
    auto v = make_value(Kind::Global);
    v->text = module->text + "." + name->text;
    push(v);
  }
  void op_reduce() {
    const auto args = pop();
    const auto callable = pop();
    push(reduce(callable, args));
  }
  void op_build() { pop(); }  // object state (e.g. a state_dict's _metadata) is not needed
  void op_newobj() {
    const auto args = pop();
    const auto cls = pop();
    push(sequence(Kind::Object, {cls, args}));
  }
  void op_newobj_ex() {
    pop();  // keyword arguments
    op_newobj();
  }
  void op_binpersid() { push(storage_from_pid(*pop())); }

  static const PickleRef& arg(const PickleValue& args, size_t i) {
    if (args.kind != Kind::Tuple || args.items.size() <= i)
      throw std::runtime_error("too few arguments for a tensor rebuild");
    return args.items[i];
  }

  static int64_t int_of(const PickleRef& v) {
    if (v->kind != Kind::Int) throw std::runtime_error("expected an integer");
    return v->integer;
  }

  static std::vector<int64_t> ints_of(const PickleRef& v) {
    if (v->kind != Kind::Tuple && v->kind != Kind::List)
      throw std::runtime_error("expected a tuple of integers");
    std::vector<int64_t> out;
    for (const auto& item : v->items) out.push_back(int_of(item));
    return out;
  }

  static PickleRef rebuild_tensor(const PickleValue& args) {
    const auto& storage = arg(args, 0);
    if (storage->kind != Kind::Storage) throw std::runtime_error("tensor without a storage");
    auto v = make_value(Kind::Tensor);
    v->tensor = storage->tensor;
    v->tensor.offset = int_of(arg(args, 1));
    v->tensor.sizes = ints_of(arg(args, 2));
    v->tensor.strides = ints_of(arg(args, 3));
    if (v->tensor.sizes.size() != v->tensor.strides.size())
      throw std::runtime_error("tensor sizes and strides differ in length");
    return v;
  }

  PickleRef reduce(const PickleRef& callable, const PickleRef& args) {
    const std::string name = callable->kind == Kind::Global ? callable->text : "";
    if (name == "collections.OrderedDict") return make_value(Kind::Dict);
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
      return rebuild_tensor(*args);
    if (name == "torch._utils._rebuild_parameter" ||
        name == "torch._utils._rebuild_parameter_with_state")
      return arg(*args, 0);
    if (name == "torch.jit._pickle.restore_type_tag") return arg(*args, 0);  // pickle_save
    if (name == "torch._tensor._rebuild_from_type_v2") return reduce(arg(*args, 0), arg(*args, 2));
    return sequence(Kind::Object, {callable, args});
  }

  static PickleRef storage_from_pid(const PickleValue& pid) {
    const bool storage = pid.kind == Kind::Tuple && pid.items.size() >= 5 &&
                         pid.items[0]->kind == Kind::String && pid.items[0]->text == "storage";
    if (!storage) throw std::runtime_error("unsupported persistent id (not a storage)");
    const auto& type = pid.items[1];
    const auto& key = pid.items[2];
    if (type->kind != Kind::Global || key->kind != Kind::String)
      throw std::runtime_error("malformed storage reference");
    auto v = make_value(Kind::Storage);
    v->tensor.dtype = storage_dtype(type->text);
    v->tensor.storage_key = key->text;
    v->tensor.storage_numel = int_of(pid.items[4]);
    return v;
  }

  static std::array<Handler, 256> make_handlers() {
    using M = PickleMachine;
    std::array<Handler, 256> h{};
    h[0x80] = &M::op_proto, h[0x95] = &M::op_frame, h['.'] = &M::op_stop;
    h['N'] = &M::op_none, h[0x88] = &M::op_true, h[0x89] = &M::op_false;
    h['J'] = &M::op_int<int32_t>, h['K'] = &M::op_int<uint8_t>, h['M'] = &M::op_int<uint16_t>;
    h[0x8a] = &M::op_long<uint8_t>, h[0x8b] = &M::op_long<int32_t>, h['G'] = &M::op_binfloat;
    h['X'] = &M::op_text<uint32_t, Kind::String>, h[0x8c] = &M::op_text<uint8_t, Kind::String>;
    h[0x8d] = &M::op_text<uint64_t, Kind::String>, h['T'] = &M::op_text<int32_t, Kind::String>;
    h['U'] = &M::op_text<uint8_t, Kind::String>, h['B'] = &M::op_text<uint32_t, Kind::Bytes>;
    h['C'] = &M::op_text<uint8_t, Kind::Bytes>, h[0x8e] = &M::op_text<uint64_t, Kind::Bytes>;
    h[0x96] = &M::op_text<uint64_t, Kind::Bytes>;
    h['('] = &M::op_mark, h['0'] = &M::op_pop, h['1'] = &M::op_pop_mark, h['2'] = &M::op_dup;
    h['q'] = &M::op_put<uint8_t>, h['r'] = &M::op_put<uint32_t>, h[0x94] = &M::op_memoize;
    h['h'] = &M::op_get<uint8_t>, h['j'] = &M::op_get<uint32_t>;
    h[')'] = &M::op_empty_tuple, h['t'] = &M::op_tuple, h[0x85] = &M::op_tuple_n<1>;
    h[0x86] = &M::op_tuple_n<2>, h[0x87] = &M::op_tuple_n<3>;
    h[']'] = &M::op_empty_list, h['l'] = &M::op_list, h['a'] = &M::op_append;
    h['e'] = &M::op_appends, h[0x8f] = &M::op_empty_list, h[0x90] = &M::op_appends;
    h[0x91] = &M::op_list;
    h['}'] = &M::op_empty_dict, h['d'] = &M::op_dict, h['s'] = &M::op_setitem;
    h['u'] = &M::op_setitems;
    h['c'] = &M::op_global, h[0x93] = &M::op_stack_global, h['R'] = &M::op_reduce;
    h['b'] = &M::op_build, h[0x81] = &M::op_newobj, h[0x92] = &M::op_newobj_ex;
    h['Q'] = &M::op_binpersid;
    return h;
  }

  static const std::array<Handler, 256>& handlers() {
    static const auto table = make_handlers();
    return table;
  }

  const uint8_t* data_;
  size_t size_;
  std::string where_;
  size_t pos_ = 0;
  bool done_ = false;
  std::vector<PickleRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, PickleRef> memo_;
};

}  // namespace

PickleRef read_torch_pickle(const uint8_t* data, size_t size, const std::string& where) {
  return PickleMachine(data, size, where).run();
}

PickleRef pickle_dict_find(const PickleValue& dict, const std::string& key) {
  if (dict.kind != PickleValue::Kind::Dict) return nullptr;
  for (const auto& [k, v] : dict.entries)
    if (k->kind == PickleValue::Kind::String && k->text == key) return v;
  return nullptr;
}

}  // namespace ditstream
