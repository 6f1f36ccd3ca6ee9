// A main for the fuzz targets in builds without libFuzzer: runs the target
// once on every file named, or found (sorted) in every folder named, so
// ctest can replay the regression inputs with any compiler.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path named(argv[i]);
    if (!fs::is_directory(named)) {
      replay(named);
      ++count;
      continue;
    }
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(named))
      if (entry.is_regular_file() && entry.path().filename() != "README.md") inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    for (const auto& input : inputs) replay(input);
    count += inputs.size();
  }
  std::fprintf(stderr, "%zu inputs replayed, none crashed\n", count);
  return 0;
}
