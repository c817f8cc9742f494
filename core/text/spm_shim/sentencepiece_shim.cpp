// The body of libditstream-spm: SentencePieceModel on top of libsentencepiece.
#include "core/text/sentencepiece_model.h"

#include <sentencepiece_processor.h>

namespace ditstream {
namespace {

class ProcessorModel : public SentencePieceModel {
 public:
  sentencepiece::SentencePieceProcessor processor;

  std::vector<int> encode(const std::string& text) const override {
    std::vector<int> ids;
    const auto status = processor.Encode(text, &ids);
    if (!status.ok()) throw std::runtime_error("sentencepiece encode: " + status.ToString());
    return ids;
  }
  int piece_size() const override { return processor.GetPieceSize(); }
  int piece_to_id(const std::string& piece) const override { return processor.PieceToId(piece); }
  std::string id_to_piece(int id) const override { return processor.IdToPiece(id); }
};

}  // namespace
}  // namespace ditstream

extern "C" __attribute__((visibility("default"))) ditstream::SentencePieceModel* ditstream_spm_load(
    const char* path, std::string* error) {
  auto model = std::make_unique<ditstream::ProcessorModel>();
  const auto status = model->processor.Load(path);
  if (!status.ok()) {
    *error = status.ToString();
    return nullptr;
  }
  return model.release();
}
