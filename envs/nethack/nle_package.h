// NlePackage: where the installed `nle` wheel keeps libnethack.so and nethackdir.
#pragma once

#include <string>

namespace spur {

struct NleLocateOptions {
  // The `nle` package directory (the one holding libnethack.so and nethackdir/). When
  // empty, it is found through `python`. Default: empty.
  std::string nle_path;
  // The Python whose site-packages hold nle. When empty: $SPUR_PYTHON, else the project
  // venv's Python recorded at build time, else `python3`. Default: empty.
  std::string python;
};

struct NlePackage {
  std::string package_dir;   // .../site-packages/nle
  std::string library_path;  // .../nle/libnethack.so
  std::string nethackdir;    // .../nle/nethackdir (holds nhdat)
  std::string version;       // e.g. "1.2.0"
};

// Finds the nle package and checks that it is the pinned version (nle_abi.h) with a
// library and an nhdat. Throws Error (kNotFound / kFailedPrecondition) with a message
// that says what to install. Results are cached per options; thread-safe.
NlePackage locateNlePackage(const NleLocateOptions& options);

}  // namespace spur
