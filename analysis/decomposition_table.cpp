#include "analysis/decomposition_table.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "analysis/json_text.h"
#include "analysis/summary_table.h"

namespace shortfall {

namespace {

// "+33.99 (0.15)": a paired mean and its standard error, scaled.
std::string with_error(const PairedDifference& difference, double scale, int digits) {
  if (std::isnan(difference.mean)) return "n/a";
  const std::string error = std::isnan(difference.standard_error)
                                ? std::string("n/a")
                                : fmt::format("{:.{}f}", scale * difference.standard_error, digits);
  return fmt::format("{:+.{}f} ({})", scale * difference.mean, digits, error);
}

std::string percent(double share) {
  return std::isnan(share) ? std::string("n/a") : fmt::format("{:.1f}%", 100.0 * share);
}

std::string signed_money(double pounds) {
  if (std::isnan(pounds)) return "n/a";
  std::string text = format_money(pounds);
  if (pounds > 0) text.insert(text.begin(), '+');  // (not "+" + text: GCC 12's -Wrestrict false positive)
  return text;
}

class Rows {
 public:
  Rows(const Decomposition& decomposition, const DecompositionLabels& labels)
      : decomposition_(decomposition), labels_(labels) {}

  bool network() const { return !labels_.providers.empty(); }
  std::size_t providers() const { return network() ? labels_.providers.size() : 1; }

  // One table: a header, then a row per compared structure (and provider).
  std::string table(const std::vector<std::string>& header,
                    const std::function<std::vector<std::string>(std::size_t entry)>& cells) const {
    std::vector<std::vector<std::string>> rows{header};
    // The labels: structure (and provider), left-aligned, then the numbers.
    const std::size_t label_columns = network() ? 2 : 1;
    if (network()) rows.front().insert(rows.front().begin(), "provider");
    rows.front().insert(rows.front().begin(), "structure");
    for (std::size_t s = 0; s < labels_.structures.size(); ++s) {
      if (static_cast<int>(s) == decomposition_.reference) continue;
      for (std::size_t p = 0; p < providers(); ++p) {
        std::vector<std::string> row = cells(s * providers() + p);
        if (network()) row.insert(row.begin(), labels_.providers[p]);
        row.insert(row.begin(), labels_.structures[s]);
        rows.push_back(std::move(row));
      }
    }
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string padding(width[c] - display_width(row[c]), ' ');
        if (c > 0) out += "  ";
        if (c < label_columns) {
          out += row[c];
          out += padding;
        } else {
          out += padding;
          out += row[c];
        }
      }
      out += "\n";
    }
    return out;
  }

 private:
  // Characters, not bytes: "£" and "ē" take one column.
  static std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }

  const Decomposition& decomposition_;
  const DecompositionLabels& labels_;
};

std::string json_entry(const Decomposition& decomposition, std::size_t entry) {
  const DecomposedDifference& shortfall = decomposition.p_shortfall[entry];
  const DecomposedDifference& support = decomposition.support[entry];
  const auto errors = [](const DecomposedDifference& parts, const char* total) {
    return fmt::format(R"({{"{}": {}, "price": {}, "timing": {}, "feedback": {}}})", total,
                       json_number(parts.total.standard_error),
                       json_number(parts.price.standard_error),
                       json_number(parts.timing.standard_error),
                       json_number(parts.feedback.standard_error));
  };
  return fmt::format(
      R"({{"p_shortfall_diff": {}, "price": {}, "timing": {}, "feedback": {}, "se": {}, )"
      R"("support_diff": {}, "support": {{"price": {}, "timing": {}, "feedback": {}, "se": {}}}, )"
      R"("cost_diff": {}, "flat_cost": {}, "pilot_earned_fraction": {}}})",
      json_number(shortfall.total.mean), json_number(shortfall.price.mean),
      json_number(shortfall.timing.mean), json_number(shortfall.feedback.mean),
      errors(shortfall, "p_shortfall_diff"), json_number(support.total.mean),
      json_number(support.price.mean), json_number(support.timing.mean),
      json_number(support.feedback.mean), errors(support, "support_diff"),
      json_number(decomposition.cost_diff[entry]), json_number(decomposition.flat_cost[entry]),
      json_number(decomposition.pilot_earned_fraction[entry]));
}

}  // namespace

std::string format_decomposition_table(const Decomposition& decomposition,
                                       const DecompositionLabels& labels) {
  const Rows rows(decomposition, labels);
  const std::string& reference = labels.structures.at(static_cast<std::size_t>(decomposition.reference));
  const std::vector<std::string> parts{"total", "price", "timing", "feedback"};
  std::string out = fmt::format("{}\n", labels.title);
  out += fmt::format(
      "seed {}, {} runs, {} months; reference {}; ē from a pilot of {} runs on futures of its own\n",
      labels.seed, decomposition.runs, labels.horizon_months, reference, decomposition.pilot_runs);

  out += fmt::format("\nDifference from {} in P(shortfall), percentage points (paired s.e.)\n", reference);
  out += rows.table(parts, [&](std::size_t entry) {
    const DecomposedDifference& d = decomposition.p_shortfall[entry];
    return std::vector<std::string>{with_error(d.total, 100.0, 2), with_error(d.price, 100.0, 2),
                                    with_error(d.timing, 100.0, 2), with_error(d.feedback, 100.0, 2)};
  });
  out += fmt::format("\nDifference from {} in mean support needed, £m (paired s.e.)\n", reference);
  out += rows.table(parts, [&](std::size_t entry) {
    const DecomposedDifference& d = decomposition.support[entry];
    return std::vector<std::string>{with_error(d.total, 1e-6, 3), with_error(d.price, 1e-6, 3),
                                    with_error(d.timing, 1e-6, 3), with_error(d.feedback, 1e-6, 3)};
  });
  out += fmt::format("\nWhat each is paid: mean earned fraction ē (pilot), and commissioner cost over the horizon\n");
  out += rows.table({"ē", "cost vs " + reference, "flat comparator cost"}, [&](std::size_t entry) {
    return std::vector<std::string>{percent(decomposition.pilot_earned_fraction[entry]),
                                    signed_money(decomposition.cost_diff[entry]),
                                    format_money(decomposition.flat_cost[entry])};
  });
  out += fmt::format(
      "\nprice: the flat comparator (the structure's expected money, paid flat and certain) against "
      "{0};\ntiming: the structure on {0}'s outcomes against the flat comparator; feedback: the "
      "structure against itself on {0}'s outcomes\n",
      reference);
  return out;
}

std::string format_decomposition_json(const Decomposition& decomposition,
                                      const DecompositionLabels& labels) {
  const bool network = !labels.providers.empty();
  const std::size_t providers = network ? labels.providers.size() : 1;
  std::string out = fmt::format(
      R"({{"reference": {}, "runs": {}, "pilot_runs": {}, "seed": {}, )",
      json_string(labels.structures.at(static_cast<std::size_t>(decomposition.reference))),
      decomposition.runs, decomposition.pilot_runs, labels.seed);
  if (network) {
    std::vector<std::string> ids;
    for (const auto& id : labels.providers) ids.push_back(json_string(id));
    out += fmt::format(R"("providers": [{}], )", fmt::join(ids, ", "));
  }
  std::vector<std::string> structures;
  for (std::size_t s = 0; s < labels.structures.size(); ++s) {
    if (static_cast<int>(s) == decomposition.reference) continue;
    std::string entry;
    if (!network) {
      entry = json_entry(decomposition, s);
    } else {
      std::vector<std::string> by_provider;
      for (std::size_t p = 0; p < providers; ++p) {
        by_provider.push_back(json_string(labels.providers[p]) + ": " +
                              json_entry(decomposition, s * providers + p));
      }
      entry = fmt::format(R"({{"providers": {{{}}}}})", fmt::join(by_provider, ", "));
    }
    structures.push_back(json_string(labels.structures[s]) + ": " + entry);
  }
  out += fmt::format(R"("structures": {{{}}}}})", fmt::join(structures, ", "));
  return out + "\n";
}

}  // namespace shortfall
