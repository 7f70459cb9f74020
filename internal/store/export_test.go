package store

// MigrateTo applies the migrations up to a version, for upgrade tests.
var MigrateTo = (*DB).migrateTo
