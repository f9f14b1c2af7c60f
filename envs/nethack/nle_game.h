// NleGame: one NetHack game driven through libnethack.so's C ABI.
//
// NetHack keeps its whole state in globals, so every NleGame loads its own private copy
// of the library (a memfd holding a copy of the .so, dlopened through /proc/self/fd/N)
// and runs in its own temporary HACKDIR. A new game = end + dlclose + dlopen + start, so
// every global is fresh. Any number of NleGames may exist in one process and be used from
// different threads; one NleGame must be used by one thread at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "envs/nethack/nle_abi.h"
#include "envs/nethack/nle_package.h"

namespace spur {

// NetHack's two RNG seeds plus NLE's optional level-generation seed.
struct NleSeeds {
  uint64_t core = 0;
  uint64_t disp = 0;
  bool reseed = false;  // NetHack's anti-TAS reseeding; true makes episodes irreproducible
  std::optional<uint64_t> lgen;
};

struct NleGameOptions {
  std::string nethack_options;  // the NETHACKOPTIONS string
  bool spawn_monsters = true;
  std::string wizkit;           // wizkit file contents (wizard mode only)
};

class NleGame {
 public:
  // Copies the library, prepares the HACKDIR. `buffers` names the caller-owned output
  // buffers (null = field not computed); they must outlive the NleGame. Throws Error when
  // the library or nethackdir is unusable. Does not start a game.
  NleGame(const NlePackage& package, const NleGameOptions& options, const nle::Observation& buffers);
  ~NleGame();
  NleGame(const NleGame&) = delete;
  NleGame& operator=(const NleGame&) = delete;

  // Ends the current game if any, reloads the library and starts a new game, which runs
  // to its first key read. With seeds, the game is seeded with them (as NLE's
  // set_initial_seeds + reset); without, NetHack seeds itself from the system.
  // ttyrec: null, or an open FILE the game records into (NLE's bz2 ttyrec3); the caller
  // owns it and must keep it open until the next start() or the destructor.
  // Throws Error when the library cannot be (re)loaded or NetHack exits while starting.
  void start(const std::optional<NleSeeds>& seeds, FILE* ttyrec, const std::string& ttyrecname);

  // Sends one key to NetHack. REQUIRES: started and !done().
  void step(int key);

  bool started() const { return ctx_ != nullptr; }
  bool done() const { return obs_.done != 0; }
  bool inNormalGame() const { return obs_.in_normal_game != 0; }
  int howDone() const { return obs_.how_done; }
  const nle::Observation& obs() const { return obs_; }
  const std::string& hackdir() const { return hackdir_; }

  // The seeds NetHack is using now. REQUIRES: started().
  NleSeeds currentSeeds() const;

 private:
  void load();
  void unload(bool check_unloaded);

  NlePackage package_;
  nle::Observation obs_{};
  nle::Settings* settings_ = nullptr;  // 48 KiB: on the heap
  std::string hackdir_;
  int memfd_ = -1;
  std::string dlpath_;
  void* handle_ = nullptr;
  void* ctx_ = nullptr;
  nle::StartFn start_ = nullptr;
  nle::StepFn step_ = nullptr;
  nle::EndFn end_ = nullptr;
  nle::GetSeedFn get_seed_ = nullptr;
};

}  // namespace spur
