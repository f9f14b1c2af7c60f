# spur's wire messages. Rules (DESIGN.md "Messages"): field numbers never change; every
# top-level message carries schemaVersion and its sender; tensors are {name, dtype, shape,
# data} with data the raw little-endian bytes; unrolls and params carry the policy version;
# strings travel as text, deduplicated per unroll.
@0xfdf5d0ce52180089;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("spur::schema");

# Bumped whenever a message changes meaning; receivers drop other versions.
#   1: first version.
#   2: Unroll carries each step's resulting message (the terminal step's included) as
#      [T, B] message_ids/message_counts, behaviour_logp, action_mask; EpisodeStats carries
#      named metrics.
const currentVersion :UInt32 = 2;

enum Role {
  unknown @0;
  actor @1;
  learner @2;
  rewardLearner @3;
  llmServer @4;
  launcher @5;
}

enum DType {
  uint8 @0;
  int8 @1;
  int16 @2;
  int32 @3;
  int64 @4;
  float32 @5;
}

struct Sender {
  role @0 :Role;
  rank @1 :UInt32;
}

struct Tensor {
  name @0 :Text;
  dtype @1 :DType;
  shape @2 :List(Int64);
  data @3 :Data;          # prod(shape) * size(dtype) bytes, row-major, little-endian
}

# One named number about a finished episode (the env's own: depth, gold, score, ...).
struct Metric {
  name @0 :Text;
  value @1 :Float64;
}

# Statistics of one finished episode, sent with the unroll in which it ended.
struct EpisodeStats {
  episodeReturn @0 :Float64;   # sum of extrinsic rewards
  length @1 :Int64;            # agent steps
  endStatus @2 :Int32;         # EndStatus: -1 aborted, 1 death, 2 task successful
  depth @3 :Int32;             # version 1 only (NetHack); version 2 sends it in metrics
  gold @4 :Int64;              # version 1 only
  score @5 :Int64;             # version 1 only
  metrics @6 :List(Metric);    # the env's named metrics (Env::episodeMetrics)
}

# T steps of B envs of one actor, time-major. A is the env's action-space width (fixed
# actions, or the candidate limit of a text env). Tensors:
#   obs/<name>      [T+1, B, ...] observations; row 0 is the state the unroll starts from,
#                   row t+1 the one step t acts on next (after a done: the new episode's first)
#   action_mask     [T+1, B, A] uint8, 1 = valid action of that observation (only when the
#                   env masks actions)
#   actions         [T, B] int64
#   logits          [T, B, A] float32, the behaviour policy's logits (masked entries: any finite value)
#   behaviour_logp  [T, B] float32, log-probability of the action under the behaviour policy
#   rewards         [T, B] float32, extrinsic
#   dones           [T, B] uint8, episode ended at this step
#   message_ids     [T, B] int32, index into `messages`: the message step t resulted in
#                   (for a step that ended the episode, that last message)
#   message_counts  [T, B] int32, times that message appeared in its episode, this step included
#   rnn_state       [B, H] float32, the recurrent state before step 0
struct Unroll {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  policyVersion @2 :UInt64;    # version of the params that produced the actions
  numSteps @3 :UInt32;         # T
  numEnvs @4 :UInt32;          # B
  tensors @5 :List(Tensor);
  messages @6 :List(Text);     # the distinct message texts of this unroll
  episodes @7 :List(EpisodeStats);
  envFrames @8 :UInt64;        # env steps this actor has taken in total
}

# A full set of policy parameters, published by learner rank 0.
struct Params {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  policyVersion @2 :UInt64;
  tensors @3 :List(Tensor);    # named as in the model's state dict
}

struct Control {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  union {
    heartbeat @2 :Void;
    stop @3 :Void;
  }
}

# llm_server protocol: a DEALER (reward learner, tests) sends AnnotateRequest to the
# server's ROUTER; the server answers with one or more AnnotateReply for the same
# requestId: at once with what its label store knows, later with what the backend labels.
struct AnnotateItem {
  first @0 :Text;          # the message (classification) or the first of a pair (ranking)
  second @1 :Text;         # ranking only
  isPair @2 :Bool;
}

struct AnnotateRequest {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  requestId @2 :UInt64;
  templateId @3 :Text;     # prompt template id (configs/prompts/<id>.yaml)
  items @4 :List(AnnotateItem);
}

struct LabelEntry {
  index @0 :UInt32;        # position of the item in its request
  label @1 :Int8;          # spur::Label: 0 not helpful, 1 helpful, 2 first, 3 second, 4 tie, -1 none
}

struct AnnotateReply {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  requestId @2 :UInt64;
  labels @3 :List(LabelEntry);
  error @4 :Text;          # non-empty: the request was refused (unknown template, bad items)
  storeHits @5 :UInt32;    # first reply only: items answered from the label store
  pending @6 :UInt32;      # first reply only: items queued for the backend
}

# learner -> reward learner (PUB/SUB), one per training batch: the batch's distinct
# message texts (each step's resulting message) and how many steps showed each. The
# counts weight the ranking model's pair sampling and reward normalisation.
struct MessageBatch {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  texts @2 :List(Text);
  counts @3 :List(UInt32);   # parallel to texts
}

# reward learner -> learner (PUB/SUB, latest only): a full snapshot of the intrinsic reward
# per known message (retrieval, offline labels); messages not listed get 0.
struct RewardTable {
  schemaVersion @0 :UInt32;
  sender @1 :Sender;
  version @2 :UInt64;
  texts @3 :List(Text);
  rewards @4 :List(Float32);
  instance @5 :UInt64;     # random per reward-learner start: a restarted one counts versions afresh
}
