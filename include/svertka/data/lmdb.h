// LMDB databases (Debian's liblmdb), as Caffe keeps its datasets: a folder holding data.mdb (and
// lock.mdb), or the data.mdb file itself. LmdbReader lists the keys once, in the database's order
// (Caffe's Data layer reads them in that order), and reads values by index from any thread.
// LmdbWriter fills a new database in transactions of many records, growing the map as it fills.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "svertka/data/open_dataset.h"  // is_lmdb

namespace svertka {

class LmdbReader {
 public:
  // Opens read-only (without a lock file where the folder cannot be written) and lists the keys.
  // IoError naming the path if it is not an LMDB or liblmdb refuses it; DataError if it holds no
  // records.
  explicit LmdbReader(const std::string& path);
  ~LmdbReader();
  LmdbReader(const LmdbReader&) = delete;
  LmdbReader& operator=(const LmdbReader&) = delete;

  int64_t size() const { return int64_t(key_end_.size()); }
  std::string_view key(int64_t index) const;
  const std::string& path() const { return path_; }
  // "PATH key K", for messages about record `index`.
  std::string where(int64_t index) const;
  // Calls `use` with record `index`'s value, valid only during the call; thread-safe.
  void read(int64_t index, const std::function<void(std::span<const uint8_t>)>& use) const;

 private:
  struct Env;
  std::string path_;
  std::unique_ptr<Env> env_;
  std::string keys_;               // every key, one after another
  std::vector<int64_t> key_end_;   // where key i ends in keys_
};

class LmdbWriter {
 public:
  // Creates the database folder `path` (which must not exist yet). IoError naming it otherwise.
  explicit LmdbWriter(const std::string& path);
  ~LmdbWriter();  // commits what was put
  LmdbWriter(const LmdbWriter&) = delete;
  LmdbWriter& operator=(const LmdbWriter&) = delete;

  // Adds a record; committed every 1000 records and by commit(). IoError naming the path and key.
  void put(std::string_view key, std::span<const uint8_t> value);
  void commit();

 private:
  struct Env;
  void grow();
  std::string path_;
  std::unique_ptr<Env> env_;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> pending_;
};

}  // namespace svertka
