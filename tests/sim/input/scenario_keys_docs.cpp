// docs/scenario-keys.md's key tables come from the key table
// (sim/input/scenario_keys.h). Each table in the page sits between
//   <!-- keys: NAME -->   and   <!-- end keys -->
// where NAME is one of keys::tables(). This program checks that every such
// block is exactly what the rows generate (ctest: sim/input/scenario-keys-docs),
// and with --write rewrites the blocks in place:
//
//   build/shortfall_scenario_keys_docs docs/scenario-keys.md           check
//   build/shortfall_scenario_keys_docs --write docs/scenario-keys.md   regenerate
//
// Every table of keys::tables() must appear in the page at least once.
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "sim/input/scenario_keys.h"

namespace {

constexpr std::string_view k_open = "<!-- keys: ";
constexpr std::string_view k_close = "<!-- end keys -->";

}  // namespace

int main(int argc, char** argv) {
  const bool write = argc == 3 && std::string_view(argv[1]) == "--write";
  if (argc != 2 && !write) {
    std::fprintf(stderr, "usage: %s [--write] docs/scenario-keys.md\n", argv[0]);
    return 2;
  }
  const std::string path = argv[argc - 1];
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return 2;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string page = buffer.str();

  std::string rewritten;
  std::set<std::string_view> seen;
  int stale = 0;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = page.find(k_open, at);
    if (open == std::string::npos) break;
    const std::size_t name_end = page.find(" -->", open);
    const std::size_t block = page.find('\n', name_end) + 1;
    const std::size_t close = page.find(k_close, block);
    if (name_end == std::string::npos || close == std::string::npos) {
      std::fprintf(stderr, "%s: an unclosed '%s' block\n", path.c_str(), k_open.data());
      return 1;
    }
    const std::string name = page.substr(open + k_open.size(), name_end - open - k_open.size());
    const shortfall::keys::KeyTable* table = nullptr;
    for (const auto& candidate : shortfall::keys::tables()) {
      if (candidate.name == name) table = &candidate;
    }
    if (table == nullptr) {
      std::fprintf(stderr, "%s: no key table named '%s'\n", path.c_str(), name.c_str());
      return 1;
    }
    seen.insert(table->name);
    const std::string expected = shortfall::key_table_markdown(table->rows);
    if (!write && page.compare(block, close - block, expected) != 0) {
      ++stale;
      std::fprintf(stderr, "%s: the '%s' table differs from the key table; expected:\n%s\n",
                   path.c_str(), name.c_str(), expected.c_str());
    }
    rewritten += page.substr(at, block - at) + expected;
    at = close;
  }
  rewritten += page.substr(at);
  for (const auto& table : shortfall::keys::tables()) {
    if (!write && !seen.contains(table.name)) {
      std::fprintf(stderr, "%s: no '%s%s -->' block\n", path.c_str(), k_open.data(),
                   std::string(table.name).c_str());
      ++stale;
    }
  }
  if (write) {
    std::ofstream(path) << rewritten;
    return 0;
  }
  if (stale > 0) {
    std::fprintf(stderr, "regenerate with: %s --write %s\n", argv[0], path.c_str());
    return 1;
  }
  return 0;
}
