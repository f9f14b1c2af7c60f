#include "actors/parameter_subscriber.h"

#include <capnp/message.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include "models/torch_codec.h"

using namespace std::chrono_literals;

namespace {

spur::ModelOptions mlp(int64_t hidden) {
  spur::ModelOptions o;
  o.type = spur::ModelType::kMlp;
  o.hidden_size = hidden;
  o.encoder_width = 8;
  return o;
}

const std::vector<spur::TensorSpec> kSpec{{"features", spur::DType::kFloat32, {3}}};

}  // namespace

TEST_CASE("parameter subscriber: applies the learner's parameters, drops garbage and misfits and counts them") {
  zmq::context_t ctx;
  const std::string addr = "ipc:///tmp/spur-params-test-" + std::to_string(getpid()) + ".sock";
  auto pub = spur::MessageSocket::bind(ctx, spur::SocketKind::kPub, addr);
  auto policy = spur::makeLocalPolicy(mlp(8), kSpec, 2, 1);
  spur::ParameterSubscriber sub(ctx, addr, *policy, 0);
  CHECK_FALSE(sub.haveParams());

  // Garbage, published until the subscription has arrived and it was seen.
  for (int i = 0; i < 200 && sub.dropped() == 0; ++i) {
    REQUIRE(pub.sendBytes("garbage!", 8, 100ms));
    CHECK_FALSE(sub.poll(20ms));
  }
  CHECK(sub.dropped() >= 1);
  CHECK_FALSE(sub.haveParams());

  // Parameters of another network (hidden 16): refused, the policy keeps waiting.
  auto other = spur::makePolicyNet(mlp(16), kSpec, 2);
  capnp::MallocMessageBuilder wrong;
  spur::writeParams(wrong.initRoot<spur::schema::Params>(), *other, 3);
  const int64_t before = sub.dropped();
  REQUIRE(pub.send(wrong, 100ms));
  CHECK_FALSE(sub.poll(2000ms));
  CHECK(sub.dropped() == before + 1);

  // The right network's parameters: applied, with their version.
  auto same = spur::makePolicyNet(mlp(8), kSpec, 2);
  capnp::MallocMessageBuilder right;
  spur::writeParams(right.initRoot<spur::schema::Params>(), *same, 7);
  REQUIRE(pub.send(right, 100ms));
  CHECK(sub.poll(2000ms));
  CHECK(sub.haveParams());
  CHECK(sub.policyVersion() == 7);
}
