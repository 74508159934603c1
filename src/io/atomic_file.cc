#include "svertka/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <streambuf>
#include <vector>

#include "svertka/error.h"

namespace svertka {
namespace {

[[noreturn]] void fail(const std::string& what, int error) {
  throw IoError(what + ": " + std::strerror(error));
}

// Writes all of [data, data + size) to `fd`; returns 0 or the errno of the failure.
int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

// A buffered output streambuf over a file descriptor that remembers the first OS error, which an
// ostream would otherwise reduce to badbit.
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd), buffer_(size_t{1} << 16) { reset(); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (sync() != 0) return traits_type::eof();
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
    return ch;
  }

  int sync() override {
    if (error_ == 0) error_ = write_all(fd_, pbase(), static_cast<size_t>(pptr() - pbase()));
    reset();
    return error_ == 0 ? 0 : -1;
  }

  // Tensor data (megabytes at a time) goes straight to the file instead of through the buffer.
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < static_cast<std::streamsize>(buffer_.size())) return std::streambuf::xsputn(s, n);
    if (sync() != 0) return 0;
    error_ = write_all(fd_, s, static_cast<size_t>(n));
    return error_ == 0 ? n : 0;
  }

 private:
  void reset() { setp(buffer_.data(), buffer_.data() + buffer_.size()); }

  int fd_;
  int error_ = 0;
  std::vector<char> buffer_;
};

// The pid of a temporary file's name, `<name>.tmp.<pid>`; 0 when it is not one.
pid_t temporary_file_pid(const std::string& name) {
  const size_t mark = name.rfind(".tmp.");
  if (mark == std::string::npos || mark == 0) return 0;
  const std::string digits = name.substr(mark + 5);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return static_cast<pid_t>(std::stol(digits));
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail("cannot write " + path + ": cannot create " + temp, errno);
  try {
    FdStreambuf buffer(fd);
    std::ostream stream(&buffer);
    write(stream);
    stream.flush();
    if (!stream) {
      const std::string reason = buffer.error() != 0 ? std::strerror(buffer.error())
                                                     : "the output stream reported a failure";
      throw IoError("cannot write " + path + " (via " + temp + "): " + reason);
    }
    if (::fsync(fd) != 0) fail("cannot write " + path + ": fsync of " + temp + " failed", errno);
    // Linux releases the descriptor even when close fails, so it must not be closed again.
    const int closing = fd;
    fd = -1;
    if (::close(closing) != 0)
      fail("cannot write " + path + ": closing " + temp + " failed", errno);
    if (::rename(temp.c_str(), path.c_str()) != 0)
      fail("cannot write " + path + ": cannot rename " + temp + " over it", errno);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  try {
    sync_directory(parent.empty() ? std::string(".") : parent.string());
  } catch (const IoError& e) {
    throw IoError("wrote " + path + " but " + e.what());
  }
}

void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory " + dir + " to sync it", errno);
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot sync a directory at all (EINVAL); the entries are there regardless.
  if (status != 0 && error != EINVAL) fail("cannot sync directory " + dir, error);
}

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
  std::vector<std::string> removed;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const pid_t pid = temporary_file_pid(it->path().filename().string());
    std::error_code ignored;  // a file that vanished or cannot be removed is skipped
    if (pid <= 0 || !it->is_regular_file(ignored)) continue;
    if (pid != ::getpid() && process_exists(pid)) continue;
    if (std::filesystem::remove(it->path(), ignored)) removed.push_back(it->path().string());
  }
  return removed;
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open " + path, errno);
  std::string contents;
  struct stat info;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode))
    contents.reserve(static_cast<size_t>(info.st_size));
  std::vector<char> chunk(size_t{1} << 16);
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      fail("cannot read " + path, error);
    }
    contents.append(chunk.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

}  // namespace svertka
