// Package e2e holds the headless-browser tests of the dashboard. They start
// the real stack in-process (the Agora sandbox, the agora client and the web
// server) and drive its pages in Chromium with chromedp. The package has no
// code outside its tests.
//
// The tests skip when no Chromium is installed, unless the environment
// variable CI is "true": then they fail. Screenshots of the main pages are
// written to test-artifacts/screenshots/ at the root of the repository.
package e2e
