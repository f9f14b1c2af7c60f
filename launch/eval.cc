#include "launch/eval.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <random>
#include <thread>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "actors/llm_policy.h"
#include "core/config.h"
#include "core/status.h"
#include "core/subprocess.h"
#include "launch/cli_checks.h"
#include "launch/local_llm.h"
#include "launch/spur_config.h"
#include "learner/checkpoint.h"
#include "models/policy_net.h"
#include "models/torch_codec.h"

namespace spur {
namespace {

namespace fs = std::filesystem;

struct EvalArgs {
  std::string run_dir, checkpoint, ttyrec_dir, out;
  std::string policy = "network";  // network | random | llm
  std::string llm_prompt;  // default: policy_search for envs with text turns, else policy_react
  int64_t llm_history = 12;
  int64_t episodes = 20;
  int64_t max_steps = 1000000;
  uint64_t seed = 1000003;  // far from training's seeds
  bool greedy = false;
  std::vector<std::string> overrides;
};

struct EpisodeResult {
  double episode_return = 0;
  int64_t length = 0;
  EndStatus end_status = EndStatus::kRunning;
  std::vector<EpisodeMetric> metrics;
};

// One observation of one env as [1, 1, ...] tensors (T = 1, B = 1).
ObsMap observationTensors(const Env& env) {
  ObsMap obs;
  const auto& spec = env.observationSpec();
  for (std::size_t i = 0; i < spec.size(); ++i) {
    std::vector<int64_t> shape{1, 1};
    shape.insert(shape.end(), spec[i].shape.begin(), spec[i].shape.end());
    obs[spec[i].name] = torch::from_blob(const_cast<void*>(env.observation(i).data), shape, torch::TensorOptions().dtype(toTorch(spec[i].dtype))).clone();
  }
  return obs;
}

// Chooses the actions of one episode: the network (sampled or greedy), uniform among the
// valid actions, an LLM (text envs: a candidate, -1 = an answer that matched none; or a raw
// turn for envs with text turns), or the top-document baseline of text-turn envs.
class EvalAgent {
 public:
  virtual ~EvalAgent() = default;
  virtual void reset(const Env& env) = 0;
  virtual int64_t act(const Env& env) = 0;
  // Envs with text turns: true when this agent writes raw turns (actText) instead of picking.
  virtual bool writesTurns(const Env&) const { return false; }
  virtual std::string actText(const Env&) { return {}; }
  virtual void observe(const Env&) {}
};

class NetworkAgent : public EvalAgent {
 public:
  NetworkAgent(std::shared_ptr<PolicyNetImpl> net, bool greedy) : net_(std::move(net)), greedy_(greedy) {}
  void reset(const Env&) override { state_ = torch::zeros({1, net_->stateSize()}); }
  int64_t act(const Env& env) override {
    torch::NoGradGuard no_grad;
    auto out = net_->forward(observationTensors(env), state_, torch::zeros({1, 1}));
    state_ = out.state;
    const int64_t A = env.actionSpace().size();
    torch::Tensor mask;
    if (auto m = env.actionMask(); !m.empty()) mask = torch::from_blob(const_cast<uint8_t*>(m.data()), {A}, torch::kUInt8).clone();
    const auto log_probs = maskedLogSoftmax(out.logits[0][0], mask);
    return greedy_ ? log_probs.argmax().item<int64_t>() : torch::multinomial(log_probs.exp(), 1).item<int64_t>();
  }

 private:
  std::shared_ptr<PolicyNetImpl> net_;
  bool greedy_;
  torch::Tensor state_;
};

class RandomAgent : public EvalAgent {
 public:
  explicit RandomAgent(uint64_t seed) : rng_(seed) {}
  void reset(const Env&) override {}
  int64_t act(const Env& env) override {
    const auto mask = env.actionMask();
    std::vector<int64_t> valid;
    for (int64_t i = 0; i < env.actionSpace().size(); ++i)
      if (mask.empty() || mask[static_cast<std::size_t>(i)]) valid.push_back(i);
    if (valid.empty()) throw Error(StatusCode::kFailedPrecondition, "the env offers no valid action");
    return valid[std::uniform_int_distribution<std::size_t>(0, valid.size() - 1)(rng_)];
  }

 private:
  std::mt19937_64 rng_;
};

class LlmAgent : public EvalAgent {
 public:
  explicit LlmAgent(LlmTextPolicy policy) : policy_(std::move(policy)) {}
  void reset(const Env& env) override { policy_.reset(env); }
  int64_t act(const Env& env) override { return policy_.act(env); }
  bool writesTurns(const Env& env) const override { return env.spec().text_turns && policy_.prompt().kind == "turn_policy"; }
  std::string actText(const Env& env) override { return policy_.actText(env); }
  void observe(const Env& env) override { policy_.observe(env); }

 private:
  LlmTextPolicy policy_;
};

// ReSeek's "answer from the top BM25 document" baseline for envs with text turns in the
// search/answer tag grammar: first the env's first candidate (a search for the question), then
// the first answer candidate that the question does not already name (the top document's
// first name or number).
class TopDocumentAgent : public EvalAgent {
 public:
  void reset(const Env&) override { searched_ = false; }
  int64_t act(const Env& env) override {
    const auto candidates = env.candidates();
    if (candidates.empty()) throw Error(StatusCode::kFailedPrecondition, "the env offers no candidate");
    if (!searched_) {
      searched_ = true;
      return 0;
    }
    const std::string task = taskText(env);
    int64_t fallback = -1;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::string& c = candidates[i];
      if (c.rfind("<answer>", 0) != 0) continue;
      if (fallback < 0) fallback = static_cast<int64_t>(i);
      const std::string content = c.size() >= 17 ? c.substr(8, c.size() - 17) : std::string();
      if (task.find(content) == std::string::npos) return static_cast<int64_t>(i);
    }
    return fallback >= 0 ? fallback : 0;
  }

 private:
  static std::string taskText(const Env& env) {
    const auto& spec = env.observationSpec();
    for (std::size_t i = 0; i < spec.size(); ++i)
      if (spec[i].name == "task") return std::string(env.observation(i).as<char>(), strnlen(env.observation(i).as<char>(), spec[i].bytes()));
    return {};
  }
  bool searched_ = false;
};

EpisodeResult playEpisode(Env& env, EvalAgent& agent, uint64_t seed, const EvalArgs& a) {
  env.reset(seed);
  agent.reset(env);
  EpisodeResult r;
  for (int64_t step = 0; step < a.max_steps; ++step) {
    StepResult s;
    if (agent.writesTurns(env)) {
      s = env.stepText(agent.actText(env));
    } else {
      const int64_t action = agent.act(env);
      s = action < 0 ? env.stepInvalid() : env.step(action);
    }
    agent.observe(env);
    r.episode_return += s.reward;
    ++r.length;
    if (s.done) {
      r.end_status = s.end_status;
      r.metrics = env.episodeMetrics();
      return r;
    }
  }
  // Cut off by --max-steps: reported as a time limit (its env metrics are of an unfinished
  // episode, so none are reported), not an error that would discard the other episodes.
  r.end_status = EndStatus::kTimeLimit;
  return r;
}

// Mean and the half-width of its normal 95% interval.
std::pair<double, double> meanAndInterval(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double x : v) mean += x / n;
  if (v.size() < 2) return {mean, 0.0};
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean) / (n - 1);
  return {mean, 1.96 * std::sqrt(var / n)};
}

int runEval(const EvalArgs& a) {
  torch::set_num_threads(1);
  const fs::path run(a.run_dir);
  // A run directory (its config.yaml and checkpoints), or a config file (baselines: --policy
  // random or llm need no training run).
  const bool from_run = fs::is_directory(run);
  if (from_run && !fs::exists(run / "config.yaml")) throw Error(StatusCode::kNotFound, a.run_dir + ": no config.yaml (is it a run directory of spur train?)");
  if (!from_run && !fs::is_regular_file(run)) throw Error(StatusCode::kNotFound, a.run_dir + ": neither a run directory nor a config file");
  SpurConfig cfg = config::load<SpurConfig>(from_run ? (run / "config.yaml").string() : run.string(), a.overrides);
  if (!a.ttyrec_dir.empty()) cfg.env.sections.map[cfg.env.name]["ttyrec_dir"] = fs::absolute(a.ttyrec_dir).string();
  std::unique_ptr<Env> env;
  try {
    prepareEnv(cfg.env);
    env = makeEnv(cfg.env, 0);
  } catch (const Error& e) {
    if (!a.ttyrec_dir.empty() && std::string(e.what()).find("ttyrec_dir: unknown key") != std::string::npos)
      throw Error(StatusCode::kInvalidArgument, "--ttyrec: env '" + cfg.env.name + "' does not record ttyrecs");
    throw;
  }
  std::unique_ptr<EvalAgent> agent;
  std::unique_ptr<BackgroundProcess> local_server;  // llm.local_server, served for the evaluation's duration
  std::string what;
  if (a.policy == "network") {
    if (!from_run) throw Error(StatusCode::kInvalidArgument, "--policy network needs a run directory with checkpoints, not a config file");
    const std::string file = a.checkpoint.empty() ? latestCheckpointFile(run / "checkpoints") : a.checkpoint;
    if (file.empty()) throw Error(StatusCode::kNotFound, a.run_dir + ": no checkpoint in " + (run / "checkpoints").string() + " (give --checkpoint PATH)");
    if (!fs::exists(file)) throw Error(StatusCode::kNotFound, "--checkpoint " + file + ": no such file");
    auto net = makePolicyNet(cfg.model, env->observationSpec(), env->actionSpace().size());
    loadPolicyWeights(file, *net);
    net->eval();
    agent = std::make_unique<NetworkAgent>(std::move(net), a.greedy);
    what = "checkpoint " + file + (a.greedy ? ", greedy actions" : ", sampled actions");
  } else if (a.policy == "random") {
    agent = std::make_unique<RandomAgent>(a.seed * 31 + 7);
    what = "uniform random valid actions";
  } else if (a.policy == "top_document") {
    if (!env->spec().text_turns)
      throw Error(StatusCode::kInvalidArgument, "--policy top_document plays envs with text turns (search); env '" + cfg.env.name + "' has none");
    agent = std::make_unique<TopDocumentAgent>();
    what = "top-document baseline (search the question, answer the top document's first new name)";
  } else if (a.policy == "llm") {
    if (env->actionSpace().kind != ActionSpace::Kind::kCandidates)
      throw Error(StatusCode::kInvalidArgument, "--policy llm plays text envs with candidate actions; env '" + cfg.env.name + "' has a fixed action set");
    OpenAiBackendOptions openai = cfg.llm.openai;
    // One tiny completion: whether the server answers at all, before the table's header.
    auto answers = [&openai](std::string* why) {
      OpenAiBackendOptions probe = openai;
      probe.max_tokens = 1;
      probe.timeout_s = 5;
      try {
        OpenAiChatClient(probe).complete({{"user", "hi"}});
        return true;
      } catch (const Error& e) {
        if (why) *why = e.what();
        return false;
      }
    };
    if (cfg.llm.local_server.model.empty()) {
      std::string why;
      if (!answers(&why))
        throw Error(StatusCode::kUnavailable, "--policy llm: no LLM server answers at llm.openai.url=" + openai.url + " (" + why +
                                                  "); start an OpenAI-compatible server there, or set llm.local_server.model=smollm2 to have spur start one");
    } else {
      const std::string python = projectPython();
      const std::string gguf = resolveLocalModel(cfg.llm.local_server, python);
      const int port = freeLocalPort();
      openai.url = "http://127.0.0.1:" + std::to_string(port);
      const std::string log = (fs::temp_directory_path() / ("spur-eval-llm-" + std::to_string(::getpid()) + ".log")).string();
      local_server = std::make_unique<BackgroundProcess>(localServerCommand(cfg.llm.local_server, python, gguf, openai.model, port), log);
      // Ready when it answers; llama.cpp loads a small model in seconds.
      bool ready = false;
      for (int i = 0; i < 120 && !ready && local_server->alive(); ++i) {
        ready = answers(nullptr);
        if (!ready) std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      if (!ready) throw Error(StatusCode::kUnavailable, "the local LLM server did not answer within 120 s (log: " + log + ")");
    }
    auto client = std::make_shared<const OpenAiChatClient>(openai);
    // Envs with text turns write raw turns (policy_search), the others pick a command.
    const std::string prompt_id = !a.llm_prompt.empty() ? a.llm_prompt : env->spec().text_turns ? "policy_search" : "policy_react";
    agent = std::make_unique<LlmAgent>(LlmTextPolicy(client, loadPolicyPrompt(resolveSourcePath(cfg.llm.prompts_dir), prompt_id), a.llm_history));
    what = "LLM policy " + openai.model + " at " + openai.url + ", prompt " + prompt_id;
  } else {
    throw Error(StatusCode::kInvalidArgument, "--policy: expected network, random, llm or top_document, got '" + a.policy + "'");
  }
  torch::manual_seed(a.seed);

  std::ofstream out;
  if (!a.out.empty()) {
    out.open(a.out);
    if (!out) throw Error(StatusCode::kInvalidArgument, "--out " + a.out + ": cannot open for writing");
  }
  std::printf("spur eval: %s, %s, %lld episodes, seeds %llu..\n", a.run_dir.c_str(), what.c_str(), static_cast<long long>(a.episodes),
              static_cast<unsigned long long>(a.seed));
  std::map<std::string, std::vector<double>> values;  // in the order rows are printed: see below
  std::map<std::string, int64_t> statuses;
  std::vector<std::string> metric_names;
  for (int64_t k = 0; k < a.episodes; ++k) {
    const uint64_t seed = a.seed + static_cast<uint64_t>(k);
    const EpisodeResult r = playEpisode(*env, *agent, seed, a);
    const bool success = r.end_status == EndStatus::kTaskSuccessful;
    values["return"].push_back(r.episode_return);
    values["length"].push_back(static_cast<double>(r.length));
    values["success"].push_back(success ? 1.0 : 0.0);
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& m : r.metrics) {
      if (!values.count(m.name)) metric_names.push_back(m.name);
      values[m.name].push_back(m.value);
      metrics[m.name] = m.value;
    }
    ++statuses[std::string(endStatusName(r.end_status))];
    if (out.is_open()) {
      nlohmann::json line{{"episode", k}, {"seed", seed}, {"return", r.episode_return}, {"length", r.length}, {"success", success},
                          {"end_status", endStatusName(r.end_status)}, {"metrics", metrics}};
      out << line.dump() << '\n';
    }
  }
  std::vector<std::string> rows{"return", "length", "success"};
  rows.insert(rows.end(), metric_names.begin(), metric_names.end());
  // Metrics reported by some episodes only (ALFWorld's success/<task type>) are averaged over
  // those; the first column fits the longest name.
  int width = 14;
  for (const auto& name : rows) width = std::max(width, static_cast<int>(name.size()));
  std::printf("\n%-*s %12s %12s %12s %12s %8s\n", width, "", "mean", "95% +-", "min", "max", "n");
  for (const auto& name : rows) {
    const auto& v = values[name];
    if (v.empty()) continue;
    const auto [mean, half] = meanAndInterval(v);
    std::printf("%-*s %12.3f %12.3f %12.3f %12.3f %8zu\n", width, name.c_str(), mean, half, *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()), v.size());
  }
  std::printf("%-*s", width + 1, "end status");
  for (const auto& [status, n] : statuses) std::printf(" %s %lld (%.0f%%)", status.c_str(), static_cast<long long>(n), 100.0 * static_cast<double>(n) / static_cast<double>(a.episodes));
  std::printf("\n");
  if (out.is_open()) {
    out.flush();
    if (!out) throw Error(StatusCode::kDataLoss, "--out " + a.out + ": write failed");
    std::printf("episodes written to %s\n", a.out.c_str());
  }
  return 0;
}

struct PlotArgs {
  std::vector<std::string> runs;
  std::string out;  // "" = RUN_DIR/curves.png of the first run
};

int runPlot(const PlotArgs& a) {
  const fs::path out = a.out.empty() ? fs::path(a.runs.front()) / "curves.png" : fs::path(a.out);
  if (out.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    if (ec) throw Error(StatusCode::kInvalidArgument, "--out " + out.string() + ": cannot create the folder " + out.parent_path().string() + ": " + ec.message());
  }
  // Drawing is matplotlib's job; the script reads the event files with TensorBoard's own
  // reader, so what is plotted is what TensorBoard shows.
  std::vector<std::string> argv{projectPython(), resolveSourcePath("launch/plot_curves.py"), "--out", out.string()};
  argv.insert(argv.end(), a.runs.begin(), a.runs.end());
  SubprocessResult r;
  throwIfError(runSubprocess(argv, &r));
  std::fputs(r.output.c_str(), stdout);
  if (r.exit_code != 0) throw Error(StatusCode::kInvalidArgument, "spur plot: " + resolveSourcePath("launch/plot_curves.py") + " failed (exit code " + std::to_string(r.exit_code) + ")");
  return 0;
}

}  // namespace

void addEvalCommands(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  auto* eval = app.add_subcommand("eval", "Play a trained policy: a table of return, length, success and the env's metrics, one JSON line per episode");
  eval->add_option("RUN_DIR", a->run_dir, "Run directory of spur train (or, for --policy random/llm, a config file)")->required();
  eval->add_option("--policy", a->policy,
                   "network (the run's checkpoint), random (uniform valid actions), llm (text envs: an LLM picks a candidate or writes the turn) or "
                   "top_document (search envs: answer from the top retrieved document)")->capture_default_str();
  eval->add_option("--llm-prompt", a->llm_prompt, "--policy llm: the policy prompt in llm.prompts_dir (default policy_search for search, else policy_react)");
  eval->add_option("--llm-history", a->llm_history, "--policy llm: past steps shown in the prompt")->capture_default_str();
  eval->add_option("--checkpoint", a->checkpoint, "Checkpoint file (default: the run's latest)");
  eval->add_option("--episodes", a->episodes, "Episodes to play")->capture_default_str()->check(atLeast(1));
  eval->add_flag("--greedy", a->greedy, "Take the most probable action instead of sampling");
  eval->add_option("--ttyrec", a->ttyrec_dir, "Record the episodes here (envs that record ttyrecs: nethack)");
  eval->add_option("--out", a->out, "Write one JSON line per episode here");
  eval->add_option("--seed", a->seed, "Episode k is played with env seed SEED+k")->capture_default_str();
  eval->add_option("--max-steps", a->max_steps, "End an episode after this many steps (counted as TIME_LIMIT)")->capture_default_str()->check(atLeast(1));
  eval->add_option("OVERRIDES", a->overrides, "Overrides of the run's config a.b.c=value (e.g. env.nethack.max_episode_steps=10000)");
  eval->callback([a] { std::exit(runEval(*a)); });

  auto p = std::make_shared<PlotArgs>();
  auto* plot = app.add_subcommand("plot", "Learning curves (return, success, intrinsic reward, fps) of one or several runs, one PNG");
  plot->add_option("RUN_DIRS", p->runs, "Run directories of spur train")->required()->check(CLI::ExistingDirectory);
  plot->add_option("--out", p->out, "PNG file to write (folders are created; default: RUN_DIR/curves.png of the first run)");
  plot->callback([p] { std::exit(runPlot(*p)); });
}

}  // namespace spur
