//go:build race

package engine

// raceBuild is true under the race detector, which would report the
// optimistic reads' loads (optimistic.go) racing with the writes they
// validate against; such builds take the lock instead.
const raceBuild = true
