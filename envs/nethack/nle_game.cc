#include "envs/nethack/nle_game.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/status.h"

namespace spur {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(StatusCode code, const std::string& what) { throw Error(code, what); }

void copyInto(char* dst, std::size_t cap, const std::string& src, const char* field) {
  if (src.size() >= cap) fail(StatusCode::kInvalidArgument, std::string("NetHack setting ") + field + " is too long (" + std::to_string(src.size()) + " bytes, max " + std::to_string(cap - 1) + ")");
  std::memcpy(dst, src.data(), src.size());
  dst[src.size()] = '\0';
}

void touch(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) fail(StatusCode::kInternal, "cannot create " + p.string() + ": " + std::strerror(errno));
  ::close(fd);
}

}  // namespace

NleGame::NleGame(const NlePackage& package, const NleGameOptions& options, const nle::Observation& buffers)
    : package_(package), obs_(buffers) {
  obs_.action = 0;
  obs_.done = 0;
  obs_.in_normal_game = 0;
  obs_.how_done = 0;

  // The HACKDIR NLE's Python wrapper builds: nhdat linked in, empty perm/record/logfile
  // (lock_file() needs them), xlogfile, and a save/ folder.
  const fs::path nhdat = fs::path(package_.nethackdir) / "nhdat";
  if (!fs::is_regular_file(nhdat)) fail(StatusCode::kNotFound, "NetHack data file " + nhdat.string() + " is missing (broken nle install?)");
  std::string tmpl = (fs::temp_directory_path() / "spur-nle-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) fail(StatusCode::kInternal, "cannot create a HACKDIR under " + fs::temp_directory_path().string() + ": " + std::strerror(errno));
  hackdir_ = tmpl;
  try {
    fs::create_symlink(nhdat, fs::path(hackdir_) / "nhdat");
    for (const char* f : {"perm", "record", "logfile", "xlogfile"}) touch(fs::path(hackdir_) / f);
    fs::create_directory(fs::path(hackdir_) / "save");

    // One private copy of the library per game: NetHack's globals must not be shared.
    memfd_ = memfd_create("spur-libnethack.so", MFD_CLOEXEC);
    if (memfd_ < 0) fail(StatusCode::kInternal, std::string("memfd_create: ") + std::strerror(errno));
    const int src = ::open(package_.library_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src < 0) fail(StatusCode::kNotFound, "cannot open " + package_.library_path + ": " + std::strerror(errno));
    struct stat st {};
    fstat(src, &st);
    off_t offset = 0;
    while (offset < st.st_size) {
      const ssize_t n = sendfile(memfd_, src, &offset, static_cast<std::size_t>(st.st_size - offset));
      if (n <= 0) {
        ::close(src);
        fail(StatusCode::kInternal, "cannot copy " + package_.library_path + ": " + std::strerror(errno));
      }
    }
    ::close(src);
    dlpath_ = "/proc/self/fd/" + std::to_string(memfd_);

    settings_ = new nle::Settings{};
    std::memset(settings_, 0, sizeof(nle::Settings));  // NLE's rlmain.cc forgets this
    copyInto(settings_->hackdir, sizeof settings_->hackdir, hackdir_, "hackdir");
    copyInto(settings_->options, sizeof settings_->options, options.nethack_options, "options");
    copyInto(settings_->wizkit, sizeof settings_->wizkit, options.wizkit, "wizkit");
    settings_->spawn_monsters = options.spawn_monsters ? 1 : 0;
  } catch (...) {
    delete settings_;
    if (memfd_ >= 0) ::close(memfd_);
    std::error_code ec;
    fs::remove_all(hackdir_, ec);
    throw;
  }
}

NleGame::~NleGame() {
  unload(/*check_unloaded=*/false);
  delete settings_;
  if (memfd_ >= 0) ::close(memfd_);
  std::error_code ec;  // best effort: a leftover temp dir is not worth a crash
  fs::remove_all(hackdir_, ec);
}

void NleGame::load() {
  // RTLD_DEEPBIND: NetHack's own functions must win over same-named symbols already in
  // the process. LibTorch's dependencies bring libcodec2, which exports `weight`; without
  // DEEPBIND NetHack's weight(obj) calls resolved there and crashed the actor.
  handle_ = dlopen(dlpath_.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle_) {
    const char* err = dlerror();
    fail(StatusCode::kFailedPrecondition, "cannot load NetHack library " + package_.library_path + ": " + (err ? err : "unknown dlopen error"));
  }
  auto sym = [&](const char* name) {
    void* p = dlsym(handle_, name);
    if (!p) {
      dlclose(handle_);
      handle_ = nullptr;
      fail(StatusCode::kFailedPrecondition, std::string("NetHack library ") + package_.library_path + " lacks symbol " + name + " (not an nle " + nle::kPinnedVersion + " libnethack.so?)");
    }
    return p;
  };
  start_ = reinterpret_cast<nle::StartFn>(sym("nle_start"));
  step_ = reinterpret_cast<nle::StepFn>(sym("nle_step"));
  end_ = reinterpret_cast<nle::EndFn>(sym("nle_end"));
  get_seed_ = reinterpret_cast<nle::GetSeedFn>(sym("nle_get_seed"));
}

void NleGame::unload(bool check_unloaded) {
  if (ctx_) {
    end_(ctx_);
    ctx_ = nullptr;
  }
  if (handle_) {
    dlclose(handle_);
    handle_ = nullptr;
    // A library that stays mapped after dlclose would keep its globals and corrupt the
    // next game; NLE's builds unload cleanly, so this only fires for a foreign build.
    if (!check_unloaded) return;
    if (void* still = dlopen(dlpath_.c_str(), RTLD_LAZY | RTLD_NOLOAD | RTLD_DEEPBIND)) {
      dlclose(still);
      fail(StatusCode::kFailedPrecondition, "NetHack library " + package_.library_path + " cannot be unloaded (has STB_GNU_UNIQUE symbols?); spur needs a fresh copy per game");
    }
  }
}

void NleGame::start(const std::optional<NleSeeds>& seeds, FILE* ttyrec, const std::string& ttyrecname) {
  unload(true);
  load();
  nle::SeedsInit& init = settings_->initial_seeds;
  init = nle::SeedsInit{};
  if (seeds) {
    init.seeds[0] = seeds->core;
    init.seeds[1] = seeds->disp;
    init.reseed = seeds->reseed ? 1 : 0;
    init.use_init_seeds = true;
    init.use_lgen_seed = seeds->lgen.has_value();
    init.lgen_seed = seeds->lgen.value_or(0);
  }
  copyInto(settings_->ttyrecname, sizeof settings_->ttyrecname, ttyrecname, "ttyrecname");
  obs_.done = 0;
  obs_.how_done = 0;
  ctx_ = start_(&obs_, ttyrec, settings_);
  if (!ctx_) fail(StatusCode::kInternal, "nle_start returned no context");
  if (obs_.done) {
    // NetHack's error() path (unreadable nhdat, bad options, ...) exits right away; it
    // printed the reason to stderr.
    const std::string dir = hackdir_;
    unload(true);
    fail(StatusCode::kFailedPrecondition, "NetHack exited while starting (HACKDIR " + dir + ", data " + package_.nethackdir + "); see NetHack's message above");
  }
}

void NleGame::step(int key) {
  SPUR_CHECK(ctx_ != nullptr && !obs_.done, "NleGame::step needs a started, unfinished game");
  obs_.action = key;
  ctx_ = step_(ctx_, &obs_);
}

NleSeeds NleGame::currentSeeds() const {
  SPUR_CHECK(ctx_ != nullptr, "NleGame::currentSeeds needs a started game");
  NleSeeds s;
  unsigned long core = 0, disp = 0, lgen = 0;
  signed char reseed = 0;
  bool lgen_in_use = false;
  get_seed_(ctx_, &core, &disp, &reseed, &lgen, &lgen_in_use);
  s.core = core;
  s.disp = disp;
  s.reseed = reseed != 0;
  if (lgen_in_use) s.lgen = lgen;
  return s;
}

}  // namespace spur
