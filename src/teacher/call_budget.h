// A hard budget for paid LLM calls: caps on calls, tokens and money, shared by every worker thread.
//
// Protocol (the same as a card payment: authorise, then capture or void):
//   1. reserve(model, estimated tokens) before a request is sent. It atomically admits one call plus the
//      estimate, or refuses with a reason. A refused request must not be sent.
//   2. settle(reservation, actual tokens) once the call is over: the estimate is replaced by the usage
//      the provider reported; the call stays counted.
//   3. release(reservation) instead, for a request that was never sent: the call and its estimate are
//      returned to the budget.
//
// Guarantees:
// - Calls: admitted calls (settled + in flight) never exceed max_calls, however many threads reserve
//   at once; every check and update happens under one mutex.
// - Tokens and money: a call is admitted only if used + reserved (in flight) + its estimate fits the
//   cap. Actual usage can exceed an estimate (the provider decides), so the settled totals may pass a
//   cap by at most the underestimates of the calls in flight; from then on every reserve() is refused.
//   Callers keep this small by estimating from above (max_tokens bounds a completion exactly).
// - Money is counted in integer nano-dollars, rounded up per call, so totals never drift and the cap
//   comparison is exact. With a money cap, a model without a price is refused rather than assumed free.
// - settle() and release() are idempotent: a reservation that is no longer outstanding (settled,
//   released, or from another budget) changes nothing and returns false.
//
// Nesting: a budget may have a parent (the run's budget, shared by every teacher of the run: vote
// members, the escalation teacher). A call is admitted only if both admit it; settle(), release() and
// extend() act on both. So each teacher's own caps (e.g. escalation's share) and the user's run caps
// hold together, and each teacher's report() is its own spending.
//
// Thread safety: every method may be called concurrently from any thread. A child locks its own mutex
// before its parent's, never the other way round.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace matchmaker::teacher {

// Price of one model in US dollars per million tokens, as providers publish them.
struct ModelPrice {
  double usd_per_million_prompt_tokens = 0.0;
  double usd_per_million_completion_tokens = 0.0;
};

// Hard caps; an unset cap is unlimited. A cap of 0 admits nothing.
struct BudgetCaps {
  std::optional<std::int64_t> max_calls = std::nullopt;
  std::optional<std::int64_t> max_tokens = std::nullopt;  // prompt + completion, over all calls
  std::optional<double> max_usd = std::nullopt;
};

// What reserve() set aside for one call. Copyable; identified by `id` (unique within one budget).
struct Reservation {
  std::uint64_t id = 0;
  std::string model;
  std::int64_t prompt_tokens = 0;      // the estimates held until settle() or release()
  std::int64_t completion_tokens = 0;
  std::int64_t nano_usd = 0;
  std::uint64_t parent_id = 0;  // the same call's reservation in the parent budget (0: none)
};

// The answer of reserve(): a reservation, or why there is none.
struct ReserveResult {
  std::optional<Reservation> reservation;
  // Set when refused; starts with "calls cap", "token cap" or "money cap", e.g. "calls cap 100 reached".
  std::string refusal;

  explicit operator bool() const { return reservation.has_value(); }
};

// Counters, consistent with each other (taken under the budget's mutex).
struct BudgetReport {
  std::int64_t calls = 0;              // admitted and not released: settled + in flight
  std::int64_t in_flight = 0;          // reserved, not yet settled or released
  std::int64_t released = 0;           // reserved, then released unsent
  std::int64_t refused = 0;            // reserve() calls that were refused
  std::int64_t prompt_tokens = 0;      // actual, of settled calls
  std::int64_t completion_tokens = 0;  // actual, of settled calls
  double usd = 0.0;                    // actual cost of settled calls
  std::int64_t reserved_tokens = 0;    // estimates held by calls in flight
  double reserved_usd = 0.0;           // estimated cost held by calls in flight

  std::int64_t tokens() const { return prompt_tokens + completion_tokens; }
};

class CallBudget {
 public:
  explicit CallBudget(BudgetCaps caps = {}, std::map<std::string, ModelPrice> prices = {},
                      std::shared_ptr<CallBudget> parent = nullptr);
  CallBudget(const CallBudget&) = delete;
  CallBudget& operator=(const CallBudget&) = delete;

  // Adds or replaces a model's price (in the parent too). Affects reservations and settlements made
  // afterwards.
  void set_price(const std::string& model, const ModelPrice& price);

  // Admits one call of `model` with the estimated token counts, or refuses it (and counts the refusal).
  // Throws std::invalid_argument for negative estimates.
  ReserveResult reserve(const std::string& model, std::int64_t estimated_prompt_tokens,
                        std::int64_t estimated_completion_tokens);

  // The call was made: replaces its estimate by the usage reported (0, 0 if the provider reported none
  // and billed nothing). Returns false, changing nothing, if the reservation is not outstanding.
  // Throws std::invalid_argument for negative counts.
  bool settle(const Reservation& reservation, std::int64_t prompt_tokens, std::int64_t completion_tokens);

  // The call needs more than it reserved (a retry after an attempt that may have been billed): adds
  // the extra tokens to its hold if the token and money caps admit them (not a call: it is counted
  // already). Returns the refusal, or "" when added; `reservation` then holds the new estimates.
  // Throws std::invalid_argument for negative counts.
  std::string extend(Reservation& reservation, std::int64_t extra_prompt_tokens, std::int64_t extra_completion_tokens);

  // The call was never sent: returns its call and estimate to the budget. Returns false, changing
  // nothing, if the reservation is not outstanding.
  bool release(const Reservation& reservation);

  BudgetReport report() const;
  const BudgetCaps& caps() const { return caps_; }

 private:
  // The refusal of `estimated_tokens` / `estimated_cost` by the token and money caps, or "".
  // REQUIRES: mutex_ held.
  std::string cap_refusal_locked(const std::string& model, std::int64_t estimated_tokens,
                                 const std::optional<std::int64_t>& estimated_cost) const;
  // Removes an outstanding reservation and frees what it held; nothing if it was settled or
  // released already. REQUIRES: mutex_ held.
  std::optional<Reservation> take_hold_locked(std::uint64_t reservation_id);
  // Cost in nano-dollars, rounded up; nullopt if the model has no price. REQUIRES: mutex_ held.
  std::optional<std::int64_t> cost_locked(const std::string& model, std::int64_t prompt_tokens,
                                          std::int64_t completion_tokens) const;

  const BudgetCaps caps_;
  const std::optional<std::int64_t> max_nano_usd_;
  const std::shared_ptr<CallBudget> parent_;

  mutable std::mutex mutex_;
  std::map<std::string, ModelPrice> prices_;
  std::unordered_map<std::uint64_t, Reservation> outstanding_;
  std::uint64_t next_id_ = 1;
  std::int64_t calls_ = 0;
  std::int64_t released_ = 0;
  std::int64_t refused_ = 0;
  std::int64_t used_prompt_tokens_ = 0;
  std::int64_t used_completion_tokens_ = 0;
  std::int64_t used_nano_usd_ = 0;
  std::int64_t reserved_tokens_ = 0;
  std::int64_t reserved_nano_usd_ = 0;
};

}  // namespace matchmaker::teacher
