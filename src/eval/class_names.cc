#include "svertka/eval/class_names.h"

#include <fstream>
#include <map>
#include <sstream>

#include "svertka/error.h"

namespace svertka {

std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open the class names '" + path + "'");
  std::vector<std::string> names;
  std::map<std::string, int64_t> first_line;  // first word -> line
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const size_t end = line.find_last_not_of(" \t\r");
    std::string name = line.substr(begin, end - begin + 1);
    std::string word;
    std::istringstream(name) >> word;
    const auto [it, inserted] = first_line.emplace(word, number);
    if (!inserted)
      throw DataError("class names '" + path + "', line " + std::to_string(number) + ": class '" +
                      word + "' is listed twice (first on line " + std::to_string(it->second) +
                      ")");
    names.push_back(std::move(name));
  }
  if (names.empty()) throw DataError("class names '" + path + "' list no classes");
  return names;
}

}  // namespace svertka
