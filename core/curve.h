// CURVE security for spur's sockets (transport.curve): the run's key pair and the list of
// client keys allowed in, kept in <run>/curve/, and the ZAP handler that checks connecting
// peers against that list. Anyone who can read the run directory can join the run; a peer
// without an allowed key is refused at the handshake and the refusal is logged.
//
// Files: curve/run.pub and curve/run.key (Z85, 40 characters; the key readable by the owner
// only), curve/allowlist (one Z85 public key per line, '#' comments; starts with run.pub).
// A peer that joins from elsewhere with its own key pair (spur curve-keys DIR/run) also
// holds curve/server.pub, a copy of the run's run.pub, and the run's allowlist gets its key.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <zmq.hpp>

namespace spur {

struct CurveKeys {
  std::string public_key;         // this process's (Z85)
  std::string secret_key;         // this process's (Z85)
  std::string server_public_key;  // what a connecting socket expects of the binding side
  std::unordered_set<std::string> allowed;  // client public keys a binding socket admits
};

// Reads the run's keys from `dir`; with `create`, first writes a new key pair and allowlist
// when there are none. Throws Error (kFailedPrecondition) naming the file when one is
// missing, malformed, or libzmq lacks CURVE.
std::shared_ptr<const CurveKeys> loadCurveKeys(const std::filesystem::path& dir, bool create);

// Writes a fresh key pair to PREFIX.pub / PREFIX.key (for a peer that joins from elsewhere:
// add PREFIX.pub to the run's allowlist). Throws Error naming the file.
void writeCurveKeyPair(const std::string& prefix);

// The ZAP handler of one ZeroMQ context: binds inproc://zeromq.zap.01 and admits CURVE
// peers whose public key is in `allowed`; every other peer is refused and logged (a warning
// naming its address and key, at most one line per 10 s). Construct before binding CURVE
// sockets on the context; owns and joins its thread.
class ZapAuthenticator {
 public:
  ZapAuthenticator(zmq::context_t& context, std::unordered_set<std::string> allowed);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;
  int64_t admitted() const { return admitted_; }
  int64_t refused() const { return refused_; }

 private:
  void serve();
  zmq::socket_t socket_;
  std::unordered_set<std::string> allowed_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> admitted_{0}, refused_{0};
  std::thread thread_;
};

// True for tcp:// addresses whose host is not a loopback one (127.x, localhost, ::1):
// reachable from other hosts.
bool isPublicAddress(const std::string& address);

}  // namespace spur
