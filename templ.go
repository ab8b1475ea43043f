package main

// The views are templ components; their generated *_templ.go files are
// committed so that a plain `go build` works without the templ CLI.
//go:generate go tool templ generate
