#include "teacher/call_budget.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace matchmaker::teacher {
namespace {

constexpr double kNanoPerUsd = 1e9;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Ids come from one process-wide counter so that a reservation from another budget can never match
// an outstanding one here by accident.
std::atomic<std::uint64_t> next_reservation_id{1};

// Estimates come from callers (and, through them, from untrusted sizes): sums saturate instead of
// overflowing, so an absurd estimate is refused rather than wrapping around to look small.
std::int64_t saturating_add(std::int64_t lhs, std::int64_t rhs) {
  if (rhs > 0 && lhs > kInt64Max - rhs) return kInt64Max;
  return lhs + rhs;
}

std::string usd_text(std::int64_t nano_usd) { return fmt::format("${:.6f}", static_cast<double>(nano_usd) / kNanoPerUsd); }

void require_non_negative(std::int64_t prompt_tokens, std::int64_t completion_tokens, const char* what) {
  if (prompt_tokens < 0 || completion_tokens < 0) {
    throw std::invalid_argument(fmt::format("CallBudget::{}: negative token count ({}, {})", what, prompt_tokens,
                                            completion_tokens));
  }
}

}  // namespace

namespace {

// The money cap in nano-dollars. Callers validate the user's options; this is the last line: a NaN
// or infinite cap would make every comparison false (admit all) and llround undefined.
std::optional<std::int64_t> checked_nano_usd_cap(const BudgetCaps& caps) {
  if ((caps.max_calls && *caps.max_calls < 0) || (caps.max_tokens && *caps.max_tokens < 0)) {
    throw std::invalid_argument("CallBudget: negative cap");
  }
  if (!caps.max_usd) return std::nullopt;
  if (!(std::isfinite(*caps.max_usd) && *caps.max_usd >= 0 && *caps.max_usd * kNanoPerUsd < 9e18)) {
    throw std::invalid_argument("CallBudget: the money cap must be a finite number >= 0");
  }
  return std::llround(*caps.max_usd * kNanoPerUsd);
}

}  // namespace

CallBudget::CallBudget(BudgetCaps caps, std::map<std::string, ModelPrice> prices, std::shared_ptr<CallBudget> parent)
    : caps_(caps), max_nano_usd_(checked_nano_usd_cap(caps)), parent_(std::move(parent)), prices_(std::move(prices)) {
  if (parent_) {
    for (const auto& [model, price] : prices_) parent_->set_price(model, price);
  }
}

void CallBudget::set_price(const std::string& model, const ModelPrice& price) {
  {
    const std::lock_guard lock(mutex_);
    prices_[model] = price;
  }
  if (parent_) parent_->set_price(model, price);
}

std::optional<std::int64_t> CallBudget::cost_locked(const std::string& model, std::int64_t prompt_tokens,
                                                    std::int64_t completion_tokens) const {
  const auto found = prices_.find(model);
  if (found == prices_.end()) return std::nullopt;
  // Nano-dollars per token = usd per million * 1000. Rounded up (less a hair of floating-point noise,
  // so that an exact 15000 computed as 15000.000000000002 stays 15000): never undercount money.
  const long double nano = static_cast<long double>(prompt_tokens) * found->second.usd_per_million_prompt_tokens * 1000.0L +
                           static_cast<long double>(completion_tokens) * found->second.usd_per_million_completion_tokens * 1000.0L;
  if (nano >= static_cast<long double>(kInt64Max)) return kInt64Max;
  return static_cast<std::int64_t>(std::ceil(nano - 1e-6L));
}

std::string CallBudget::cap_refusal_locked(const std::string& model, std::int64_t estimated_tokens,
                                           const std::optional<std::int64_t>& estimated_cost) const {
  if (caps_.max_tokens) {
    const std::int64_t committed = saturating_add(saturating_add(used_prompt_tokens_, used_completion_tokens_), reserved_tokens_);
    if (saturating_add(committed, estimated_tokens) > *caps_.max_tokens) {
      return fmt::format("token cap {} reached: {} used or reserved, this call may need {}", *caps_.max_tokens,
                         committed, estimated_tokens);
    }
  }
  if (max_nano_usd_) {
    if (!estimated_cost) return fmt::format("money cap {} set, but model '{}' has no price", usd_text(*max_nano_usd_), model);
    const std::int64_t committed = saturating_add(used_nano_usd_, reserved_nano_usd_);
    if (saturating_add(committed, *estimated_cost) > *max_nano_usd_) {
      return fmt::format("money cap {} reached: {} spent or reserved, this call may cost {}", usd_text(*max_nano_usd_),
                         usd_text(committed), usd_text(*estimated_cost));
    }
  }
  return "";
}

ReserveResult CallBudget::reserve(const std::string& model, std::int64_t estimated_prompt_tokens,
                                  std::int64_t estimated_completion_tokens) {
  require_non_negative(estimated_prompt_tokens, estimated_completion_tokens, "reserve");
  const std::int64_t estimated_tokens = saturating_add(estimated_prompt_tokens, estimated_completion_tokens);

  const std::lock_guard lock(mutex_);
  ReserveResult result;
  const auto refuse = [&](std::string reason) {
    ++refused_;
    result.refusal = std::move(reason);
    return result;
  };

  if (caps_.max_calls && calls_ >= *caps_.max_calls) {
    return refuse(fmt::format("calls cap {} reached", *caps_.max_calls));
  }
  const std::optional<std::int64_t> estimated_cost =
      cost_locked(model, estimated_prompt_tokens, estimated_completion_tokens);
  if (std::string refusal = cap_refusal_locked(model, estimated_tokens, estimated_cost); !refusal.empty()) {
    return refuse(std::move(refusal));
  }
  // Admitted here; the run's caps must admit it too.
  std::uint64_t parent_id = 0;
  if (parent_) {
    ReserveResult in_parent = parent_->reserve(model, estimated_prompt_tokens, estimated_completion_tokens);
    if (!in_parent) return refuse(std::move(in_parent.refusal));
    parent_id = in_parent.reservation->id;
  }

  Reservation reservation;
  reservation.id = next_reservation_id.fetch_add(1, std::memory_order_relaxed);
  reservation.model = model;
  reservation.prompt_tokens = estimated_prompt_tokens;
  reservation.completion_tokens = estimated_completion_tokens;
  reservation.nano_usd = estimated_cost.value_or(0);
  reservation.parent_id = parent_id;
  ++calls_;
  reserved_tokens_ = saturating_add(reserved_tokens_, estimated_tokens);
  reserved_nano_usd_ = saturating_add(reserved_nano_usd_, reservation.nano_usd);
  outstanding_.emplace(reservation.id, reservation);
  result.reservation = std::move(reservation);
  return result;
}

std::string CallBudget::extend(Reservation& reservation, std::int64_t extra_prompt_tokens,
                               std::int64_t extra_completion_tokens) {
  require_non_negative(extra_prompt_tokens, extra_completion_tokens, "extend");
  const std::lock_guard lock(mutex_);
  const auto found = outstanding_.find(reservation.id);
  if (found == outstanding_.end()) return "the call's reservation is no longer outstanding";
  Reservation& held = found->second;
  const std::int64_t extra_tokens = saturating_add(extra_prompt_tokens, extra_completion_tokens);
  const std::optional<std::int64_t> extra_cost = cost_locked(held.model, extra_prompt_tokens, extra_completion_tokens);
  if (std::string refusal = cap_refusal_locked(held.model, extra_tokens, extra_cost); !refusal.empty()) {
    ++refused_;
    return refusal;
  }
  if (parent_ && held.parent_id != 0) {
    Reservation in_parent;
    in_parent.id = held.parent_id;
    if (std::string refusal = parent_->extend(in_parent, extra_prompt_tokens, extra_completion_tokens); !refusal.empty()) {
      ++refused_;
      return refusal;
    }
  }
  held.prompt_tokens = saturating_add(held.prompt_tokens, extra_prompt_tokens);
  held.completion_tokens = saturating_add(held.completion_tokens, extra_completion_tokens);
  held.nano_usd = saturating_add(held.nano_usd, extra_cost.value_or(0));
  reserved_tokens_ = saturating_add(reserved_tokens_, extra_tokens);
  reserved_nano_usd_ = saturating_add(reserved_nano_usd_, extra_cost.value_or(0));
  reservation = held;
  return "";
}

std::optional<Reservation> CallBudget::take_hold_locked(std::uint64_t reservation_id) {
  const auto found = outstanding_.find(reservation_id);
  if (found == outstanding_.end()) return std::nullopt;
  // The stored copy, not the caller's, says what was reserved: a caller cannot shrink a hold.
  Reservation held = std::move(found->second);
  outstanding_.erase(found);
  reserved_tokens_ -= saturating_add(held.prompt_tokens, held.completion_tokens);
  reserved_nano_usd_ -= held.nano_usd;
  return held;
}

bool CallBudget::settle(const Reservation& reservation, std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  require_non_negative(prompt_tokens, completion_tokens, "settle");
  const std::lock_guard lock(mutex_);
  const auto held = take_hold_locked(reservation.id);
  if (!held) return false;
  if (parent_ && held->parent_id != 0) {
    Reservation in_parent;
    in_parent.id = held->parent_id;
    parent_->settle(in_parent, prompt_tokens, completion_tokens);
  }
  used_prompt_tokens_ = saturating_add(used_prompt_tokens_, prompt_tokens);
  used_completion_tokens_ = saturating_add(used_completion_tokens_, completion_tokens);
  used_nano_usd_ = saturating_add(used_nano_usd_, cost_locked(held->model, prompt_tokens, completion_tokens).value_or(0));
  return true;
}

bool CallBudget::release(const Reservation& reservation) {
  const std::lock_guard lock(mutex_);
  const auto held = take_hold_locked(reservation.id);
  if (!held) return false;
  if (parent_ && held->parent_id != 0) {
    Reservation in_parent;
    in_parent.id = held->parent_id;
    parent_->release(in_parent);
  }
  --calls_;
  ++released_;
  return true;
}

BudgetReport CallBudget::report() const {
  const std::lock_guard lock(mutex_);
  BudgetReport report;
  report.calls = calls_;
  report.in_flight = static_cast<std::int64_t>(outstanding_.size());
  report.released = released_;
  report.refused = refused_;
  report.prompt_tokens = used_prompt_tokens_;
  report.completion_tokens = used_completion_tokens_;
  report.usd = static_cast<double>(used_nano_usd_) / kNanoPerUsd;
  report.reserved_tokens = reserved_tokens_;
  report.reserved_usd = static_cast<double>(reserved_nano_usd_) / kNanoPerUsd;
  return report;
}

}  // namespace matchmaker::teacher
