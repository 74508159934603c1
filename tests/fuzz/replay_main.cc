// A libFuzzer harness without libFuzzer (the GCC build's smoke run in `make test`): runs
// LLVMFuzzerTestOneInput over every file of a corpus folder, then over deterministic mutations of
// them (bit flips, truncations, inserted and overwritten bytes) from a fixed seed.
//   fuzz_<reader>_replay CORPUS_DIR [MUTATIONS]
// A harness lets only svertka::Error pass quietly: any other exception ends here in
// std::terminate, and a crash ends the process, so the test fails either way; the input that did
// it is first written to replay-finding.bin in the working folder (for libFuzzer to replay:
// fuzz_<reader> replay-finding.bin in the `make fuzz` build).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

std::vector<Bytes> read_corpus(const fs::path& folder) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());  // the same order, so the same mutations, everywhere
  std::vector<Bytes> corpus;
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

// One of libFuzzer's simpler mutations of `input`.
// The input being run, for save_finding.
const Bytes* current_input = nullptr;

// Only system calls: it also runs in a signal handler.
void save_finding() {
  if (current_input == nullptr) return;
  const int fd = ::open("replay-finding.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  const char message[] = "replay: the input is in replay-finding.bin\n";
  if (::write(fd, current_input->data(), current_input->size()) >= 0 &&
      ::write(STDERR_FILENO, message, sizeof message - 1) < 0) {
  }
  ::close(fd);
}

void on_crash(int signal) {
  save_finding();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

// Runs one input; one that takes over a second is named on stderr (libFuzzer's slow units), with
// its number in the run (corpus files first, then mutations) and its size.
void run(const Bytes& input, long number) {
  current_input = &input;
  const auto start = std::chrono::steady_clock::now();
  LLVMFuzzerTestOneInput(input.data(), input.size());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  if (took.count() > 1.0)
    std::fprintf(stderr, "replay: input %ld (%zu bytes) took %.1f s\n", number, input.size(),
                 took.count());
  current_input = nullptr;
}

Bytes mutate(Bytes input, std::mt19937_64& random) {
  auto below = [&](size_t n) { return n == 0 ? 0 : size_t(random() % n); };
  static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '-', '9', '[', '{'};
  switch (random() % 5) {
    case 0:  // flip 1 to 4 bits
      for (size_t flips = 1 + below(4); flips > 0 && !input.empty(); --flips)
        input[below(input.size())] ^= uint8_t(1u << below(8));
      break;
    case 1:  // truncate
      input.resize(below(input.size() + 1));
      break;
    case 2:  // insert 1 to 8 random bytes
      for (size_t n = 1 + below(8); n > 0; --n)
        input.insert(input.begin() + long(below(input.size() + 1)), uint8_t(random()));
      break;
    case 3:  // overwrite a byte with a boundary value
      if (!input.empty()) input[below(input.size())] = kInteresting[below(std::size(kInteresting))];
      break;
    default:  // duplicate a run of bytes in place (repeated fields, nesting)
      if (!input.empty()) {
        const size_t begin = below(input.size());
        const size_t length = 1 + below(std::min<size_t>(64, input.size() - begin));
        const Bytes run(input.begin() + long(begin), input.begin() + long(begin + length));
        input.insert(input.begin() + long(begin), run.begin(), run.end());
      }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
    return 2;
  }
  const std::vector<Bytes> corpus = read_corpus(argv[1]);
  if (corpus.empty()) {
    std::fprintf(stderr, "%s: no files in the corpus\n", argv[1]);
    return 1;
  }
  const long mutations = argc == 3 ? std::atol(argv[2]) : 1000;
  static const std::terminate_handler default_terminate = std::set_terminate([] {
    save_finding();
    default_terminate();
  });
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, on_crash);
  long number = 0;
  for (const Bytes& input : corpus) run(input, number++);
  std::mt19937_64 random(20261202);
  for (long i = 0; i < mutations; ++i) {
    // Mutations of mutations now and then, to get past the first check a reader makes.
    Bytes input = mutate(corpus[random() % corpus.size()], random);
    if (random() % 4 == 0) input = mutate(std::move(input), random);
    run(input, number++);
  }
  std::printf("%zu corpus files and %ld mutations: no finding\n", corpus.size(), mutations);
  return 0;
}
