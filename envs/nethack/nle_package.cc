#include "envs/nethack/nle_package.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>

#include "core/status.h"
#include "core/subprocess.h"
#include "envs/nethack/nle_abi.h"

#ifndef SPUR_DEFAULT_PYTHON
#define SPUR_DEFAULT_PYTHON "python3"
#endif

namespace spur {
namespace fs = std::filesystem;

namespace {

std::string installHint() {
  return std::string("install it with `./spur build` (creates .venv with nle==") + nle::kPinnedVersion +
         ") or `pip install nle==" + nle::kPinnedVersion + "`, or set env.nethack.nle_path";
}

std::string choosePython(const NleLocateOptions& options) {
  if (!options.python.empty()) return options.python;
  if (const char* p = std::getenv("SPUR_PYTHON"); p && *p) return p;
  if (fs::exists(SPUR_DEFAULT_PYTHON)) return SPUR_DEFAULT_PYTHON;
  return "python3";
}

// Asks the Python for its site-packages without importing nle (importing it costs a
// second and pulls in gymnasium).
std::string findPackageDir(const std::string& python) {
  SubprocessResult result;
  Status st = runSubprocess(
      {python, "-c",
       "import importlib.util,os;s=importlib.util.find_spec('nle');"
       "print(os.path.dirname(s.origin) if s and s.origin else '')"},
      &result);
  if (!st.isOk()) throw Error(StatusCode::kNotFound, "cannot run Python '" + python + "' to find nle: " + st.message() + "; " + installHint());
  std::string dir = result.output;
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  if (result.exit_code != 0 || dir.empty())
    throw Error(StatusCode::kNotFound, "the nle package is not installed for " + python + "; " + installHint());
  return dir;
}

std::string readVersion(const std::string& package_dir) {
  std::ifstream in(package_dir + "/version.py");
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string s = text.str();
  if (std::regex_search(s, m, std::regex("__version__\\s*=\\s*['\"]([^'\"]+)['\"]"))) return m[1];
  return "";
}

NlePackage locateUncached(const NleLocateOptions& options) {
  NlePackage pkg;
  pkg.package_dir = options.nle_path.empty() ? findPackageDir(choosePython(options)) : options.nle_path;
  if (!fs::is_directory(pkg.package_dir))
    throw Error(StatusCode::kNotFound, "nle package directory " + pkg.package_dir + " does not exist; " + installHint());
  pkg.version = readVersion(pkg.package_dir);
  if (pkg.version != nle::kPinnedVersion)
    throw Error(StatusCode::kFailedPrecondition,
                "found nle " + (pkg.version.empty() ? std::string("of unknown version") : pkg.version) + " at " + pkg.package_dir +
                    ", but spur needs exactly nle==" + nle::kPinnedVersion + " (its C ABI is declared for that version); " + installHint());
  pkg.library_path = pkg.package_dir + "/libnethack.so";
  pkg.nethackdir = pkg.package_dir + "/nethackdir";
  if (!fs::is_regular_file(pkg.library_path))
    throw Error(StatusCode::kNotFound, "nle " + pkg.version + " at " + pkg.package_dir + " has no libnethack.so; reinstall: " + installHint());
  if (!fs::is_regular_file(pkg.nethackdir + "/nhdat"))
    throw Error(StatusCode::kNotFound, "nle " + pkg.version + " at " + pkg.package_dir + " has no nethackdir/nhdat; reinstall: " + installHint());
  return pkg;
}

}  // namespace

NlePackage locateNlePackage(const NleLocateOptions& options) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, NlePackage> cache;
  const auto key = std::make_pair(options.nle_path, options.python);
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  NlePackage pkg = locateUncached(options);
  cache.emplace(key, pkg);
  return pkg;
}

}  // namespace spur
