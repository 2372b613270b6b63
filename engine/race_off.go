//go:build !race

package engine

// raceBuild is true under the race detector (race_on.go).
const raceBuild = false
