#include "actors/parameter_subscriber.h"

#include <spdlog/spdlog.h>

namespace spur {
namespace {

SocketOptions latestOnly(std::shared_ptr<const CurveKeys> curve) {
  SocketOptions o;
  o.latest_only = true;
  o.curve = std::move(curve);
  return o;
}

}  // namespace

ParameterSubscriber::ParameterSubscriber(zmq::context_t& ctx, const std::string& address, Policy& policy, int rank, std::shared_ptr<const CurveKeys> curve)
    : socket_(MessageSocket::connect(ctx, SocketKind::kSub, address, latestOnly(std::move(curve)))), address_(address), policy_(policy), rank_(rank) {}

bool ParameterSubscriber::poll(std::chrono::milliseconds timeout) {
  auto msg = socket_.receive(timeout);
  if (!msg) return false;
  Status s = msg->parse();
  if (s.isOk()) {
    try {
      auto params = msg->root<schema::Params>();
      s = policy_.update(params);
      if (s.isOk()) {
        policy_version_ = params.getPolicyVersion();
        have_params_ = true;
        return true;
      }
    } catch (const kj::Exception& e) {
      s = Status::dataLoss(std::string("malformed parameters: ") + e.getDescription().cStr());
    }
  }
  ++dropped_;
  spdlog::warn("actor {}: dropped a parameter message ({}); {} dropped so far", rank_, s.message(), dropped_);
  return false;
}

bool ParameterSubscriber::waitForFirst(const std::atomic<bool>& stop) {
  using namespace std::chrono_literals;
  auto last_note = std::chrono::steady_clock::now();
  while (!have_params_ && !stop) {
    poll(200ms);
    if (std::chrono::steady_clock::now() - last_note > 10s) {
      spdlog::info("actor {}: waiting for parameters from the learner at {}", rank_, address_);
      last_note = std::chrono::steady_clock::now();
    }
  }
  return have_params_;
}

}  // namespace spur
