// Cash keys in days of operating cost (docs/model.md, "Cash in days").
//
// `provider.opening_cash_days` and `provider.shortfall_threshold_days` are
// `opening_cash` and `shortfall_threshold` written in days of the
// provider's year-0 operating cost, (1 + d) V / 365 a day, with V the value
// the provider's cash defaults are reckoned on (its contract's annual value;
// a subcontractor's, its subcontract value). Finance directors count cash in
// days, and a day scales with the trust, so one number fits a £150m and a
// £500m trust alike.
//
// One quantity, two spellings: a file gives one of them (both is an error);
// a --set or a sweep of one spelling replaces the file's other; and the
// resolved text writes the spelling used, so a study whose sweep moves the
// deficit or the value re-derives each point's pounds when read back.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace shortfall {

struct CashSpellings {
  std::string_view pounds;  // the [provider] key in GBP
  std::string_view days;    // the same in days of operating cost
};

inline constexpr std::array<CashSpellings, 2> k_cash_spellings{
    {{"opening_cash", "opening_cash_days"},
     {"shortfall_threshold", "shortfall_threshold_days"}}};

// The other spelling of a [provider] key ("opening_cash" <-> "opening_cash_days"),
// or nothing for a key that has one spelling.
constexpr std::optional<std::string_view> other_cash_spelling(std::string_view provider_key) {
  for (const auto& spelling : k_cash_spellings) {
    if (provider_key == spelling.pounds) return spelling.days;
    if (provider_key == spelling.days) return spelling.pounds;
  }
  return std::nullopt;
}

// Whether `provider_key` is the days spelling of a cash key.
constexpr bool is_days_spelling(std::string_view provider_key) {
  for (const auto& spelling : k_cash_spellings) {
    if (provider_key == spelling.days) return true;
  }
  return false;
}

// One day of year-0 operating cost: (1 + d) V / 365 (docs/model.md 3 with
// A_t = 1, the cost noise at its mean, over a 365-day year).
constexpr double one_day_of_cost(double annual_value, double underlying_deficit) {
  return (1.0 + underlying_deficit) * annual_value / 365.0;
}

}  // namespace shortfall
