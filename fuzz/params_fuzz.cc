// The actor's parameter decoding (ParameterSubscriber::poll: ReceivedMessage::parse, then
// Policy::update, which is loadParams into the policy's network) over arbitrary frames,
// into a small MLP policy network. A refused message must leave the network unchanged.
#include <kj/exception.h>

#include "fuzz/fuzz_util.h"
#include "fuzz/small_policy_net.h"
#include "models/torch_codec.h"

namespace {

std::vector<torch::Tensor> snapshot(torch::nn::Module& net) {
  std::vector<torch::Tensor> out;
  for (const auto& p : net.named_parameters(true)) out.push_back(p.value().detach().clone());
  for (const auto& b : net.named_buffers(true)) out.push_back(b.value().detach().clone());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const auto net = spur::fuzz::smallPolicyNet();
  const auto before = snapshot(*net);
  auto msg = spur::fuzz::asMessage(data, size);
  spur::Status s = msg.parse();
  if (s.isOk()) {
    try {
      auto params = msg.root<spur::schema::Params>();
      s = spur::loadParams(params, *net);
      if (s.isOk()) (void)params.getPolicyVersion();
    } catch (const kj::Exception& e) {
      s = spur::Status::dataLoss(e.getDescription().cStr());
    }
  }
  if (!s.isOk()) {
    const auto after = snapshot(*net);
    for (std::size_t i = 0; i < before.size(); ++i) SPUR_FUZZ_EXPECT(torch::equal(before[i], after[i]));
  }
  return 0;
}
