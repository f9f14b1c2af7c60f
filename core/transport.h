// Transport: ZeroMQ sockets carrying Cap'n Proto messages.
//
// A MessageSocket is one ZeroMQ socket (PUSH, PULL, PUB, SUB, ROUTER or DEALER). Sends and receives take a
// timeout and never block longer; "nothing yet" is an empty optional, and a message that
// is not a well-formed Cap'n Proto message is reported as DataLoss (the caller counts and
// drops it). High-water marks bound the queues on both sides, which gives back-pressure.
// A MessageSocket is not thread-safe: use it from one thread.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <zmq.hpp>

#include "core/curve.h"
#include "core/status.h"

namespace spur {

// ROUTER/DEALER: request-reply without lockstep (the llm_server answers when labels are
// ready, possibly in several replies); a ROUTER sees each DEALER peer's identity.
enum class SocketKind { kPush, kPull, kPub, kSub, kRouter, kDealer };

struct SocketOptions {
  // Messages queued per peer before send() waits (PUSH/PUB) or the peer is held back (PULL).
  // Default: 16.
  int high_water_mark = 16;
  // SUB only: keep only the newest message (ZMQ_CONFLATE), e.g. parameters. Default: false.
  bool latest_only = false;
  // Largest message accepted, in bytes; larger ones are refused by ZeroMQ. Default: 1 GiB.
  int64_t max_message_bytes = int64_t{1} << 30;
  // CURVE (transport.curve): a binding socket is a CURVE server with these keys (its
  // context needs a ZapAuthenticator), a connecting one a CURVE client of
  // curve->server_public_key. Default: none (plain).
  std::shared_ptr<const CurveKeys> curve;
};

// One received message. Owns the bytes; root() reads them in place.
class ReceivedMessage {
 public:
  explicit ReceivedMessage(zmq::message_t frame);
  // Parses the frame and checks its root pointer. DataLoss for a frame that is not a Cap'n
  // Proto message or whose root is not a struct inside the message.
  Status parse();
  // The root as a T. REQUIRES: parse() returned OK; then this does not throw (pointers below
  // the root may still throw kj::Exception when their fields are read).
  template <class T> typename T::Reader root() { return reader_->getRoot<T>(); }
  std::size_t size() const { return frame_.size(); }

 private:
  zmq::message_t frame_;
  kj::Array<capnp::word> aligned_;  // a copy, only when the frame is not word-aligned
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
};

class MessageSocket {
 public:
  // Binds (server side) or connects to `address` (e.g. tcp://127.0.0.1:5555). Throws Error
  // with the address when ZeroMQ refuses it. Binding a non-loopback tcp address without
  // CURVE logs a warning: anyone who can reach it can send and receive.
  static MessageSocket bind(zmq::context_t& context, SocketKind kind, const std::string& address, const SocketOptions& options = {});
  static MessageSocket connect(zmq::context_t& context, SocketKind kind, const std::string& address, const SocketOptions& options = {});
  // Connects this socket to one more address (a SUB then hears every publisher it is
  // connected to). Throws Error with the address when ZeroMQ refuses it.
  void connectAlso(const std::string& address);

  // Sends the message; false when it could not be queued within `timeout` (the peer is
  // slow or absent and the high-water mark is reached).
  [[nodiscard]] bool send(capnp::MessageBuilder& message, std::chrono::milliseconds timeout);
  // Sends raw bytes (tests use this to send malformed messages).
  [[nodiscard]] bool sendBytes(const void* data, std::size_t size, std::chrono::milliseconds timeout);

  // The next message, or nullopt after `timeout`. The message is not parsed yet.
  std::optional<ReceivedMessage> receive(std::chrono::milliseconds timeout);

  // ROUTER only: the next message with its sender's identity, or nullopt after `timeout`.
  // A message without an identity frame and a body is dropped (nullopt).
  std::optional<std::pair<std::string, ReceivedMessage>> receiveRouted(std::chrono::milliseconds timeout);
  // ROUTER only: sends to the peer with this identity; false when it could not be queued
  // within `timeout`. A reply to a peer that has gone is silently discarded by ZeroMQ.
  [[nodiscard]] bool sendRouted(const std::string& identity, capnp::MessageBuilder& message, std::chrono::milliseconds timeout);

  // The address actually bound (resolves tcp://...:* ports).
  std::string lastEndpoint() const;

 private:
  MessageSocket(zmq::context_t& context, SocketKind kind, const SocketOptions& options);
  zmq::socket_t socket_;
};

// Serialises a message into one contiguous byte array (for storage and tests).
kj::Array<capnp::word> toWords(capnp::MessageBuilder& message);

// The address of learner rank `rank`'s socket for a socket kind whose rank-0 address is
// `base` (each data-parallel learner rank binds its own): `base` itself for rank 0;
// ipc://DIR/NAME.sock -> ipc://DIR/NAME-rank<r>.sock (other ipc and inproc names get
// "-rank<r>" appended); tcp://HOST:PORT -> tcp://HOST:<PORT + r>. Throws
// Error(kInvalidArgument) naming the address for a tcp address without a numeric port.
std::string rankAddress(const std::string& base, int rank);

// CURVE on a raw ZeroMQ socket (for the few sockets that are not MessageSockets, such as the
// NCCL id exchange). makeCurveServer: call before bind; the socket admits only peers that a
// ZapAuthenticator on its context allows, and nobody when the context has none (fails
// closed). Throws Error(kFailedPrecondition) when libzmq cannot enforce that.
// makeCurveClient: call before connect; the peer must hold keys.server_public_key's secret.
void makeCurveServer(zmq::socket_t& socket, const CurveKeys& keys);
void makeCurveClient(zmq::socket_t& socket, const CurveKeys& keys);

}  // namespace spur
