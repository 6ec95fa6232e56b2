package store

// OpenTestStore is openTestStore for the tests of package store_test.
var OpenTestStore = openTestStore
