// RewardOptions: the YAML section `reward` -- how extrinsic and intrinsic rewards combine
// (ONI: r = ext_coeff * r_ext + int_coeff * r_int / count^beta) and which intrinsic reward
// model the reward learner runs. Shared by the learner and the reward learner, hence in
// core. Torch-free.
#pragma once

#include <string>

namespace spur {

struct RewardOptions {
  // Intrinsic reward: none, retrieval (LLM labels looked up per message, unseen = 0) or
  // offline_labels (a JSON file message -> reward). Default: none.
  std::string type = "none";
  std::string labels_file;    // offline_labels: JSON object {"message": reward or "helpful"/"not_helpful"}
  double ext_coeff = 1.0;
  double int_coeff = 0.0;
  double beta = 3.0;          // count exponent (ONI's beta_count_exponent)

  template <class B>
  void bind(B& b) {
    b.field("type", type);
    b.field("ext_coeff", ext_coeff);
    b.field("int_coeff", int_coeff);
    b.field("beta", beta);
    b.field("labels_file", labels_file);
  }
};

}  // namespace spur
