#include "core/transport.h"

#include <capnp/any.h>
#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace spur {

namespace {

zmq::socket_type zmqType(SocketKind kind) {
  switch (kind) {
    case SocketKind::kPush: return zmq::socket_type::push;
    case SocketKind::kPull: return zmq::socket_type::pull;
    case SocketKind::kPub: return zmq::socket_type::pub;
    case SocketKind::kSub: return zmq::socket_type::sub;
    case SocketKind::kRouter: return zmq::socket_type::router;
    case SocketKind::kDealer: return zmq::socket_type::dealer;
  }
  return zmq::socket_type::pull;
}

}  // namespace

void makeCurveServer(zmq::socket_t& socket, const CurveKeys& keys) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, "spur");
  // libzmq admits every CURVE client when no ZAP handler is bound on the context (RFC 27's
  // backward compatibility), so a role that forgot its ZapAuthenticator would fail open.
  // ZMQ_ZAP_ENFORCE_DOMAIN makes the handshake fail instead. The option is in libzmq's
  // draft API (the header hides it) but the library has understood it since 4.3.0.
  constexpr int kZapEnforceDomain = 93;  // ZMQ_ZAP_ENFORCE_DOMAIN
  const int on = 1;
  int got = 0;
  std::size_t size = sizeof got;
  if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &on, sizeof on) != 0 || zmq_getsockopt(socket.handle(), kZapEnforceDomain, &got, &size) != 0 || got != 1)
    throw Error(StatusCode::kFailedPrecondition, "transport.curve: this libzmq cannot enforce ZAP authentication (ZMQ_ZAP_ENFORCE_DOMAIN, libzmq >= 4.3 needed)");
}

void makeCurveClient(zmq::socket_t& socket, const CurveKeys& keys) {
  socket.set(zmq::sockopt::curve_serverkey, keys.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

ReceivedMessage::ReceivedMessage(zmq::message_t frame) : frame_(std::move(frame)) {}

Status ReceivedMessage::parse() {
  if (frame_.size() == 0 || frame_.size() % sizeof(capnp::word) != 0)
    return Status::dataLoss("message of " + std::to_string(frame_.size()) + " bytes is not a whole number of 8-byte words");
  kj::ArrayPtr<const capnp::word> words;
  // ZeroMQ does not promise alignment; Cap'n Proto reads words in place, so copy if needed.
  if (reinterpret_cast<uintptr_t>(frame_.data()) % alignof(capnp::word) == 0) {
    words = kj::ArrayPtr<const capnp::word>(static_cast<const capnp::word*>(frame_.data()), frame_.size() / sizeof(capnp::word));
  } else {
    aligned_ = kj::heapArray<capnp::word>(frame_.size() / sizeof(capnp::word));
    std::memcpy(aligned_.begin(), frame_.data(), frame_.size());
    words = aligned_.asPtr();
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() * 2 + 1024;  // each word read at most ~twice
  options.nestingLimit = 16;
  try {
    reader_ = std::make_unique<capnp::FlatArrayMessageReader>(words, options);
    // The root pointer too: root<T>() reads it outside the callers' try blocks (the learner's
    // receiving thread ended on a root pointer past its segment). A struct root that passes
    // here passes there: same pointer, same checks.
    (void)reader_->getRoot<capnp::AnyStruct>();
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed Cap'n Proto message: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

MessageSocket::MessageSocket(zmq::context_t& context, SocketKind kind, const SocketOptions& options)
    : socket_(context, zmqType(kind)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, options.high_water_mark);
  socket_.set(zmq::sockopt::rcvhwm, options.high_water_mark);
  socket_.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  if (kind == SocketKind::kSub) {
    if (options.latest_only) socket_.set(zmq::sockopt::conflate, 1);
    socket_.set(zmq::sockopt::subscribe, "");
  }
}

MessageSocket MessageSocket::bind(zmq::context_t& context, SocketKind kind, const std::string& address, const SocketOptions& options) {
  MessageSocket s(context, kind, options);
  if (options.curve) {
    makeCurveServer(s.socket_, *options.curve);
  } else if (isPublicAddress(address)) {
    spdlog::warn("transport: {} is reachable from other hosts and not protected (set transport.curve: true)", address);
  }
  try {
    s.socket_.bind(address);
  } catch (const zmq::error_t& e) {
    throw Error(StatusCode::kUnavailable, "cannot bind " + address + ": " + e.what());
  }
  return s;
}

MessageSocket MessageSocket::connect(zmq::context_t& context, SocketKind kind, const std::string& address, const SocketOptions& options) {
  MessageSocket s(context, kind, options);
  // Queue only to peers that are really connected: otherwise a PUSH to a dead learner
  // would silently fill a pipe instead of giving back-pressure.
  s.socket_.set(zmq::sockopt::immediate, 1);
  if (options.curve) {
    makeCurveClient(s.socket_, *options.curve);
  }
  s.connectAlso(address);
  return s;
}

void MessageSocket::connectAlso(const std::string& address) {
  try {
    socket_.connect(address);
  } catch (const zmq::error_t& e) {
    throw Error(StatusCode::kUnavailable, "cannot connect to " + address + ": " + e.what());
  }
}

kj::Array<capnp::word> toWords(capnp::MessageBuilder& message) { return capnp::messageToFlatArray(message); }

std::string rankAddress(const std::string& base, int rank) {
  if (rank == 0) return base;
  const std::string suffix = "-rank" + std::to_string(rank);
  if (base.rfind("tcp://", 0) == 0) {
    const auto colon = base.rfind(':');
    int port = -1;
    if (colon != std::string::npos && colon > 5) {
      const std::string digits = base.substr(colon + 1);
      if (!digits.empty() && digits.size() <= 5 && digits.find_first_not_of("0123456789") == std::string::npos) port = std::stoi(digits);
    }
    if (port <= 0 || port + rank > 65535)
      throw Error(StatusCode::kInvalidArgument, "address '" + base + "': learner rank " + std::to_string(rank) + " needs a numeric port (rank r binds PORT + r)");
    return base.substr(0, colon + 1) + std::to_string(port + rank);
  }
  const std::string ext = ".sock";
  if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) return base.substr(0, base.size() - ext.size()) + suffix + ext;
  return base + suffix;
}

namespace {

// cppzmq returns "nothing" for a timeout but throws for EINTR, which a signal (SIGTERM from
// spur train, Ctrl-C) causes in any blocking call. To the caller an interrupted call is a
// timed-out one: it checks its stop flag and decides; other errors still throw.
template <class F>
auto interruptedAsTimeout(F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return {};
    throw;
  }
}

}  // namespace

bool MessageSocket::send(capnp::MessageBuilder& message, std::chrono::milliseconds timeout) {
  // Zero-copy: ZeroMQ takes ownership of the flat array and frees it when sent (unrolls
  // are megabytes; a second copy cost the actor measurable time).
  auto* words = new kj::Array<capnp::word>(toWords(message));
  const auto bytes = words->asBytes();
  zmq::message_t msg(const_cast<kj::byte*>(bytes.begin()), bytes.size(), [](void*, void* hint) { delete static_cast<kj::Array<capnp::word>*>(hint); },
                     words);
  socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
  return interruptedAsTimeout([&] { return socket_.send(msg, zmq::send_flags::none); }).has_value();
}

bool MessageSocket::sendBytes(const void* data, std::size_t size, std::chrono::milliseconds timeout) {
  socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
  zmq::message_t msg(data, size);
  return interruptedAsTimeout([&] { return socket_.send(msg, zmq::send_flags::none); }).has_value();
}

std::optional<ReceivedMessage> MessageSocket::receive(std::chrono::milliseconds timeout) {
  socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
  zmq::message_t msg;
  if (!interruptedAsTimeout([&] { return socket_.recv(msg, zmq::recv_flags::none); })) return std::nullopt;
  return ReceivedMessage(std::move(msg));
}

std::optional<std::pair<std::string, ReceivedMessage>> MessageSocket::receiveRouted(std::chrono::milliseconds timeout) {
  socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
  zmq::message_t identity;
  if (!interruptedAsTimeout([&] { return socket_.recv(identity, zmq::recv_flags::none); })) return std::nullopt;
  std::optional<ReceivedMessage> body;
  // Read every remaining frame of this message so the next receive starts clean; the body
  // is the first frame after the identity, extra frames are a malformed peer's and dropped.
  bool extra = false;
  while (identity.more() || body) {
    zmq::message_t frame;
    if (!interruptedAsTimeout([&] { return socket_.recv(frame, zmq::recv_flags::dontwait); })) break;
    const bool more = frame.more();
    if (!body) body.emplace(std::move(frame));
    else extra = true;
    if (!more) break;
  }
  if (!body || extra) return std::nullopt;
  return std::make_pair(identity.to_string(), std::move(*body));
}

bool MessageSocket::sendRouted(const std::string& identity, capnp::MessageBuilder& message, std::chrono::milliseconds timeout) {
  socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
  zmq::message_t id(identity.data(), identity.size());
  if (!interruptedAsTimeout([&] { return socket_.send(id, zmq::send_flags::sndmore); })) return false;
  auto words = toWords(message);
  const auto bytes = words.asBytes();
  zmq::message_t body(bytes.begin(), bytes.size());
  return interruptedAsTimeout([&] { return socket_.send(body, zmq::send_flags::none); }).has_value();
}

std::string MessageSocket::lastEndpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

}  // namespace spur
