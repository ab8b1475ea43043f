//go:build race

package perf

// raceEnabled: the test binary has the race detector, so the binary under
// test is built with it too (the dependencies are compiled that way already).
const raceEnabled = true
