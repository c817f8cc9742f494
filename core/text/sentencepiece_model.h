#pragma once
// A SentencePiece model, run by Debian's libsentencepiece inside the libditstream-spm module.
//
// Pitfall: libsentencepiece.so.0 bundles protobuf-lite 3.14 and exports its symbols; libtorch
// loads libprotobuf 3.21. Linked normally, libprotobuf's start-up code binds to the bundled copy
// and every executable crashes before main (and with RTLD_LOCAL alone, the bundled code binds to
// libprotobuf 3.21 and aborts on the version check). So libsentencepiece is linked only into
// libditstream-spm (core/text/spm_shim), which lies beside libditstream-core and is dlopen'ed on
// first use with RTLD_LOCAL | RTLD_DEEPBIND: each library keeps its own protobuf.
// The interface is header-only so the module needs nothing from ditstream-core.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class SentencePieceModel {
 public:
  virtual ~SentencePieceModel() = default;
  virtual std::vector<int> encode(const std::string& text) const = 0;
  virtual int piece_size() const = 0;
  virtual int piece_to_id(const std::string& piece) const = 0;
  virtual std::string id_to_piece(int id) const = 0;
};

// Throws naming the file when it is missing or not a SentencePiece model, and naming the module
// when libditstream-spm cannot be loaded.
std::unique_ptr<SentencePieceModel> load_sentencepiece(const std::filesystem::path& path);

}  // namespace ditstream
