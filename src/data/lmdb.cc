// LMDB through liblmdb's C API. Readers open with MDB_NOTLS (as Caffe does): each read begins its
// own short read-only transaction, so any thread may read.
#include "svertka/data/lmdb.h"

#include <lmdb.h>

#include <cerrno>
#include <filesystem>

#include "svertka/error.h"

namespace svertka {
namespace {

namespace fs = std::filesystem;

void check(int rc, const std::string& path, const std::string& what) {
  if (rc != MDB_SUCCESS) throw IoError(path + ": LMDB " + what + ": " + mdb_strerror(rc));
}

struct Transaction {
  MDB_txn* txn = nullptr;
  ~Transaction() {
    if (txn) mdb_txn_abort(txn);
  }
};

}  // namespace

struct LmdbReader::Env {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  ~Env() {
    if (env) mdb_env_close(env);
  }
};

LmdbReader::LmdbReader(const std::string& path) : path_(path), env_(std::make_unique<Env>()) {
  if (!is_lmdb(path))
    throw IoError(path + ": not an LMDB (a folder holding data.mdb, or a .mdb file)");
  const unsigned sub = fs::is_directory(path) ? 0u : unsigned(MDB_NOSUBDIR);
  check(mdb_env_create(&env_->env), path, "environment");
  check(mdb_env_set_maxreaders(env_->env, 1024), path, "readers");
  int rc = mdb_env_open(env_->env, path.c_str(), MDB_RDONLY | MDB_NOTLS | sub, 0664);
  if (rc == EACCES || rc == EROFS) {  // a folder we may not write the lock file into
    mdb_env_close(env_->env);
    check(mdb_env_create(&env_->env), path, "environment");
    rc = mdb_env_open(env_->env, path.c_str(), MDB_RDONLY | MDB_NOLOCK | sub, 0664);
  }
  check(rc, path, "open");
  Transaction t;
  check(mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &t.txn), path, "transaction");
  check(mdb_dbi_open(t.txn, nullptr, 0, &env_->dbi), path, "database");
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(t.txn, env_->dbi, &cursor), path, "cursor");
  MDB_val key, value;
  for (rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == MDB_SUCCESS;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    keys_.append(static_cast<const char*>(key.mv_data), key.mv_size);
    key_end_.push_back(int64_t(keys_.size()));
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) check(rc, path, "listing the keys");
  if (key_end_.empty()) throw DataError(path + ": the LMDB holds no records");
}

LmdbReader::~LmdbReader() = default;

std::string_view LmdbReader::key(int64_t index) const {
  const int64_t begin = index > 0 ? key_end_[size_t(index - 1)] : 0;
  return std::string_view(keys_).substr(size_t(begin), size_t(key_end_[size_t(index)] - begin));
}

std::string LmdbReader::where(int64_t index) const {
  return path_ + " key '" + std::string(key(index)) + "'";
}

void LmdbReader::read(int64_t index,
                      const std::function<void(std::span<const uint8_t>)>& use) const {
  if (index < 0 || index >= size())
    throw ParamError(path_ + ": record " + std::to_string(index) + " of " +
                     std::to_string(size()));
  Transaction t;
  check(mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &t.txn), path_, "transaction");
  const std::string_view k = key(index);
  MDB_val key{k.size(), const_cast<char*>(k.data())}, value;
  const int rc = mdb_get(t.txn, env_->dbi, &key, &value);
  if (rc == MDB_NOTFOUND) throw DataError(where(index) + ": the record is gone");
  check(rc, where(index), "read");
  use({static_cast<const uint8_t*>(value.mv_data), value.mv_size});
}

struct LmdbWriter::Env {
  MDB_env* env = nullptr;
  size_t map_size = size_t(1) << 30;
  ~Env() {
    if (env) mdb_env_close(env);
  }
};

LmdbWriter::LmdbWriter(const std::string& path) : path_(path), env_(std::make_unique<Env>()) {
  std::error_code error;
  if (fs::exists(path, error)) throw IoError(path + ": already exists; LMDBs are written anew");
  if (!fs::create_directories(path, error))
    throw IoError(path + ": cannot create the folder: " + error.message());
  check(mdb_env_create(&env_->env), path, "environment");
  check(mdb_env_set_mapsize(env_->env, env_->map_size), path, "map size");
  check(mdb_env_open(env_->env, path.c_str(), 0, 0664), path, "open");
}

LmdbWriter::~LmdbWriter() {
  try {
    commit();
  } catch (const Error&) {  // a destructor may not throw; commit() explicitly to see the error
  }
}

void LmdbWriter::put(std::string_view key, std::span<const uint8_t> value) {
  pending_.emplace_back(std::string(key), std::vector<uint8_t>(value.begin(), value.end()));
  if (pending_.size() >= 1000) commit();
}

void LmdbWriter::grow() {
  env_->map_size *= 2;
  check(mdb_env_set_mapsize(env_->env, env_->map_size), path_, "map size");
}

// The pending records in one transaction; a full map is doubled and the transaction redone.
void LmdbWriter::commit() {
  while (!pending_.empty()) {
    Transaction t;
    check(mdb_txn_begin(env_->env, nullptr, 0, &t.txn), path_, "transaction");
    MDB_dbi dbi;
    check(mdb_dbi_open(t.txn, nullptr, 0, &dbi), path_, "database");
    int rc = MDB_SUCCESS;
    for (auto& [k, v] : pending_) {
      MDB_val key{k.size(), k.data()}, value{v.size(), v.data()};
      rc = mdb_put(t.txn, dbi, &key, &value, 0);
      if (rc == MDB_MAP_FULL) break;
      check(rc, path_ + " key '" + k + "'", "put");
    }
    if (rc == MDB_SUCCESS) {
      rc = mdb_txn_commit(t.txn);
      t.txn = nullptr;
      if (rc == MDB_SUCCESS) {
        pending_.clear();
        return;
      }
    }
    if (rc != MDB_MAP_FULL) check(rc, path_, "commit");
    if (t.txn) {
      mdb_txn_abort(t.txn);
      t.txn = nullptr;
    }
    grow();
  }
}

}  // namespace svertka
