// The store's schema as an ordered list of migrations. Not part of the module's interface.
#pragma once

#include "core/result.h"
#include "store/internal/sqlite.h"

namespace capstan::store::internal {

// The schema version this build writes: the number of migrations it knows.
int LatestSchemaVersion();

// Brings the file up to LatestSchemaVersion(), each migration in its own transaction
// together with its row in schema_version, so a crash leaves the file at a whole version.
// `now` is recorded as each migration's applied_at. Invalid when the file's version is
// newer than this build's.
Status Migrate(Db& db, int64_t now);

// The highest version recorded in schema_version (0 for a new file).
Result<int> CurrentSchemaVersion(Db& db);

}  // namespace capstan::store::internal
