// Shared by the hostile-input tests: a scratch directory for crafted files, and a check that a
// call throws the expected typed error with a message naming the file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace svertka::testing {

// A fresh directory per test, removed with its contents at the end.
class HostileDir {
 public:
  HostileDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("svertka_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~HostileDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  HostileDir(const HostileDir&) = delete;
  HostileDir& operator=(const HostileDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `bytes` to the file `name`; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = file(name);
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
  }

 private:
  std::filesystem::path path_;
};

// Runs `call`, which must throw ErrorT (exactly that type or one derived from it) with a message
// that contains each of `fragments`. Returns the message.
template <class ErrorT, class Call>
std::string expect_error(Call&& call, std::initializer_list<std::string> fragments) {
  try {
    call();
  } catch (const ErrorT& e) {
    const std::string message = e.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "the message does not name '" << fragment << "': " << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another type of error: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "threw nothing";
  return "";
}

}  // namespace svertka::testing
